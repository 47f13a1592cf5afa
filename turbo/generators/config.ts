// Turborepo's generators (`npx turbo gen <name>`): the prompts, and the actions that run
// @acme/generators. Each prompt's validation is the generator's own, so an answer given with
// --args is refused with the same message as one typed in, before anything is written.
import {
  checkKind,
  checkMethodName,
  checkMode,
  checkResolver,
  checkServiceKey,
  generateRpcService,
  LOCAL_MODES,
  METHOD_KINDS,
  NO_RESOLVER,
  RESOLVER_NAMES,
  RESOLVERS,
} from "@acme/generators/rpc-service";
import {
  checkAppName,
  checkPort,
  type Generated,
  generateSiloApp,
} from "@acme/generators/silo-app";
import type { PlopTypes } from "@turbo/gen";

type Answers = PlopTypes.Answers;

const trim = (value: unknown) => String(value ?? "").trim();
// --args answers skip the list prompts' own matching, so that a wrong one gets the generator's
// message (naming the choices) rather than "invalid choice".
const raw = (value: string) => value;

// @turbo/gen prints what an action returns as "• <it> (<action type>)" under "Actions completed":
// the action returns the folder it wrote, and prints its report (files, next steps) itself.
const report = ({ folder, report }: Generated): string => {
  console.log(`\n${report}\n`);
  return folder;
};

export default function generator(plop: PlopTypes.NodePlopAPI): void {
  // The repository root: turbo runs generators from there.
  const root = plop.getDestBasePath();

  plop.setActionType("rpc-service", (answers) => report(generateRpcService(root, answers)));
  plop.setGenerator("rpc-service", {
    description: "A new RPC service in packages/services: contract, implementation, test",
    prompts: [
      {
        type: "input",
        name: "key",
        message: 'Service key (camelCase, e.g. "billing"; the client calls client.<key>.<method>):',
        filter: trim,
        validate: (value: string) => checkServiceKey(root, trim(value)),
      },
      {
        type: "list",
        name: "mode",
        message: "Where does it run (its local mode)?",
        choices: [
          { name: "CONTROL: global data, in the control silo", value: LOCAL_MODES[0] },
          { name: "REGION: an organization's data, in its region", value: LOCAL_MODES[1] },
        ],
        bypass: (value: string) => trim(value).toUpperCase(),
        validate: (value: string) => checkMode(trim(value)),
      },
      {
        type: "input",
        name: "method",
        message: 'Its first method (camelCase, e.g. "getSummary"):',
        filter: trim,
        validate: (value: string) => checkMethodName(trim(value)),
      },
      {
        type: "list",
        name: "kind",
        message: "Is the method a query or a mutation?",
        choices: [...METHOD_KINDS],
        bypass: (value: string) => trim(value).toLowerCase(),
        validate: (value: string) => checkKind(trim(value)),
      },
      {
        // Asked for CONTROL services too (with one choice), so that --args always takes five
        // answers: turbo gen cannot pass an answer to a prompt that is asked conditionally.
        type: "list",
        name: "resolver",
        message: "Resolver: how does a call find the region that owns its data?",
        choices: (answers: Answers) =>
          answers.mode === "REGION"
            ? RESOLVER_NAMES.map((name) => ({
                name: `${name}: ${RESOLVERS[name].summary}`,
                value: name,
              }))
            : [{ name: `${NO_RESOLVER} (CONTROL services have none)`, value: NO_RESOLVER }],
        bypass: raw,
        validate: (value: string, answers: Answers) =>
          checkResolver(trim(value), trim(answers.mode)),
      },
    ],
    actions: [{ type: "rpc-service" }],
  });

  plop.setActionType("silo-app", (answers) => report(generateSiloApp(root, answers)));
  plop.setGenerator("silo-app", {
    description: "A new deployable silo server in apps/<name>, runnable in any silo mode",
    prompts: [
      {
        type: "input",
        name: "name",
        message: 'App name (the folder apps/<name> and the package\'s name, e.g. "billing-silo"):',
        filter: trim,
        validate: (value: string) => checkAppName(root, trim(value)),
      },
      {
        type: "input",
        name: "port",
        message: "Its default port (1024-65535; PORT overrides it):",
        filter: trim,
        validate: (value: string) => checkPort(trim(value)),
      },
    ],
    actions: [{ type: "silo-app" }],
  });
}
