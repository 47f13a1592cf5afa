// The real `rpc:compat` command on a temporary copy of the repository, after changing a real
// service: what a developer sees at each step of adding a parameter.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyRepository } from "../scripts/linked-tree.ts";

const repo = path.join(import.meta.dirname, "../../..");
/** Each test copies the repository and type-checks it at every step: minutes on a busy machine. */
const TIMEOUT = 300_000;
const copies: string[] = [];
let copy: string;

/** A copy of the repository, whose own workspace packages resolve to the copy. */
function freshCopy(): void {
  copy = copyRepository(repo, "silo-compat-");
  copies.push(copy);
}
afterAll(() => {
  for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
});

function compat(...args: string[]) {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "packages/services/scripts/rpc-compat.ts", ...args],
    {
      cwd: copy,
      encoding: "utf8",
    },
  );
  return { status: run.status, out: run.stdout + run.stderr };
}

function edit(file: string, from: string, to: string) {
  const full = path.join(copy, file);
  const text = fs.readFileSync(full, "utf8");
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  fs.writeFileSync(full, text.replace(from, to));
}

/** The code's calls of user.getUser: the file, the call as it is, and the call passing the flag. */
const GET_USER_CALLERS = [
  [
    "packages/services/src/organization/impl.ts",
    "getUser.query({ userId: input.ownerUserId })",
    "getUser.query({ userId: input.ownerUserId, includeInactive: false })",
  ],
  [
    "apps/silo/src/demo.ts",
    "getUser.query({ userId: alice.id })",
    "getUser.query({ userId: alice.id, includeInactive: false })",
  ],
] as const;

/** Makes these callers of user.getUser pass `includeInactive` (every one by default). */
function passIncludeInactive(
  callers: readonly (typeof GET_USER_CALLERS)[number][] = GET_USER_CALLERS,
) {
  for (const [file, from, to] of callers) edit(file, from, to);
}

describe("npm run rpc:compat on a copy of the repository", () => {
  it(
    "walks a developer through adding a required parameter, step by step",
    () => {
      freshCopy();
      expect(compat()).toMatchObject({
        status: 0,
        out: expect.stringContaining("No contract changes."),
      });

      // Straight to required: refused, with the staged fix.
      const contract = "packages/services/src/user/contract.ts";
      edit(
        contract,
        "input: z.object({ userId: id }),",
        "input: z.object({ userId: id, includeInactive: z.boolean() }),",
      );
      const refused = compat();
      expect(refused.status).toBe(1);
      expect(refused.out).toContain("[new-required-parameter] user.getUser");
      expect(refused.out).toContain('Add "includeInactive" as optional');
      expect(compat("--update").status).toBe(1);

      // Step 1: optional. Allowed; --update records it as deployed.
      edit(contract, "includeInactive: z.boolean() }", "includeInactive: z.boolean().optional() }");
      const optional = compat("--update");
      expect(optional.status).toBe(0);
      expect(optional.out).toContain('user.getUser: optional parameter "includeInactive" added');
      expect(compat().out).toContain("No contract changes.");

      // Step 3 too early: required while callers do not pass it yet.
      edit(contract, "includeInactive: z.boolean().optional() }", "includeInactive: z.boolean() }");
      const early = compat("--json");
      expect(early.status).toBe(1);
      const report = JSON.parse(early.out) as {
        violations: { rule: string; callSites?: { file: string }[] }[];
      };
      expect(report.violations.map((v) => v.rule)).toEqual(["parameter-made-required"]);
      expect(report.violations[0]?.callSites?.map((s) => s.file)).toEqual([
        "apps/silo/src/demo.ts",
        "packages/services/src/organization/impl.ts",
      ]);

      // Step 2 done (every call passes it): now it may become required.
      passIncludeInactive();
      const ready = compat();
      expect(ready.status).toBe(0);
      expect(ready.out).toContain(
        'user.getUser: parameter "includeInactive" made required (every caller passes it)',
      );
    },
    TIMEOUT,
  );

  it(
    "refuses to pass a new optional parameter in the change that adds it",
    () => {
      freshCopy();
      edit(
        "packages/services/src/user/contract.ts",
        "input: z.object({ userId: id }),",
        "input: z.object({ userId: id, includeInactive: z.boolean().optional() }),",
      );
      const [first] = GET_USER_CALLERS;
      passIncludeInactive([first]);
      const refused = compat();
      expect(refused.status).toBe(1);
      expect(refused.out).toContain("[new-parameter-passed] user.getUser");
      expect(refused.out).toContain(`called at ${first[0]}:`);
      expect(refused.out).toContain('Ship "includeInactive" alone');
    },
    TIMEOUT,
  );

  it(
    "refuses to remove a method the code still calls, and reads --base-ref from git",
    () => {
      freshCopy();
      const contract = "packages/services/src/integration/contract.ts";
      edit(
        contract,
        "    getIntegration: controlQuery({",
        "    getIntegrationRenamed: controlQuery({",
      );
      const impl = "packages/services/src/integration/impl.ts";
      edit(impl, "  getIntegration: async", "  getIntegrationRenamed: async");
      const result = compat();
      // getIntegration has no call site in the code: removing it is allowed; the new name has none either.
      expect(result.out).toContain("integration.getIntegration: removed (no callers)");
      expect(result.out).toContain("integration.getIntegrationRenamed: added (no callers yet)");

      edit(
        "packages/services/src/user/contract.ts",
        "    getUser: controlQuery({",
        "    findUser: controlQuery({",
      );
      const called = compat();
      expect(called.status).toBe(1);
      expect(called.out).toContain("[removed-method-called] user.getUser");
      expect(called.out).toMatch(/called at apps\/silo\/src\/demo\.ts:\d+/);
      expect(called.out).toMatch(/called at packages\/services\/src\/organization\/impl\.ts:\d+/);

      expect(compat("--base-ref", "no-such-ref")).toMatchObject({
        status: 2,
        out: expect.stringContaining("Cannot read the base contracts"),
      });
    },
    TIMEOUT,
  );
});

describe("npm run rpc:compat with the deployed code in git", () => {
  it(
    "counts the callers of the deployed code: making a parameter required in the change that updates every caller is refused",
    () => {
      freshCopy();
      const git = (...args: string[]) =>
        execFileSync("git", args, {
          cwd: copy,
          stdio: "pipe",
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: "t",
            GIT_AUTHOR_EMAIL: "t@t",
            GIT_COMMITTER_NAME: "t",
            GIT_COMMITTER_EMAIL: "t@t",
          },
        });
      git("init", "--quiet");
      // Deployed: getUser with an optional includeInactive that nobody passes yet.
      const contract = "packages/services/src/user/contract.ts";
      edit(
        contract,
        "input: z.object({ userId: id }),",
        "input: z.object({ userId: id, includeInactive: z.boolean().optional() }),",
      );
      expect(compat("--update").status).toBe(0);
      git("add", "-A");
      git("commit", "--quiet", "-m", "deployed");

      // One change: every caller passes it, and it becomes required.
      edit(contract, "includeInactive: z.boolean().optional() }", "includeInactive: z.boolean() }");
      passIncludeInactive();
      const result = compat();

      expect(result.status).toBe(1);
      expect(result.out).toContain("in the deployed code (HEAD)");
      expect(result.out).toContain("[parameter-made-required] user.getUser");
      expect(result.out).toMatch(/called at apps\/silo\/src\/demo\.ts:\d+ \(in HEAD\)/);
      expect(result.out).toMatch(
        /called at packages\/services\/src\/organization\/impl\.ts:\d+ \(in HEAD\)/,
      );
    },
    TIMEOUT,
  );
});

describe("npm run rpc:compat -- --accept", () => {
  it(
    "lets a person accept a flagged change they checked, method by method, and then record it",
    () => {
      freshCopy();
      // Drop an output field (after checking no caller reads it).
      edit("packages/services/src/models.ts", "  isActive: z.boolean(),\n", "");
      const flagged = compat("--json");
      expect(flagged.status).toBe(1);
      const rules = (
        JSON.parse(flagged.out) as {
          violations: { rule: string; service: string; method: string }[];
        }
      ).violations.map((v) => `${v.rule}:${v.service}.${v.method}`);
      expect(rules.sort()).toEqual([
        "output-field-removed:user.getByEmail",
        "output-field-removed:user.getManyByIds",
        "output-field-removed:user.getUser",
        "output-field-removed:user.updateUser",
      ]);

      const partly = compat("--accept", "output-field-removed:user.getUser");
      expect(partly.status).toBe(1);
      expect(partly.out).toContain("accepted [output-field-removed] user.getUser");

      const all = compat("--update", ...rules.flatMap((rule) => ["--accept", rule]));
      expect(all.status).toBe(0);
      expect(compat().out).toContain("No contract changes.");

      expect(compat("--accept", "output-field-removed:user.nothing")).toMatchObject({
        status: 2,
        out: expect.stringContaining(
          "--accept matches no violation: output-field-removed:user.nothing",
        ),
      });
    },
    TIMEOUT,
  );
});

describe("npm run rpc:compat where JSON Schema or a plain call chain hides the change", () => {
  it(
    "compares a parameter that uses a named, shared definition (.meta({ id })) through its input's $defs",
    () => {
      freshCopy();
      // `slug` becomes a named definition: each parameter using it is a $ref into its input's $defs.
      const models = "packages/services/src/models.ts";
      edit(
        models,
        '  .meta({ examples: ["acme"] });\nexport const regionName',
        '  .meta({ id: "Slug", examples: ["acme"] });\nexport const regionName',
      );
      expect(compat("--update")).toMatchObject({
        status: 0,
        out: expect.stringContaining("The contracts changed, compatibly"),
      });
      const recorded = fs.readFileSync(path.join(copy, "rpc-schema/openapi.json"), "utf8");
      expect(recorded).toContain('"$ref": "#/$defs/Slug"');
      // The document as recorded, unchanged: it passes (it was refused, "a $ref that cannot be resolved").
      expect(compat()).toMatchObject({
        status: 0,
        out: expect.stringContaining("No contract changes."),
      });

      // A narrowing inside the shared definition: caught for every parameter that uses it.
      edit(models, "  .max(50)\n  .regex(", "  .max(40)\n  .regex(");
      const narrowed = compat();
      expect(narrowed.status).toBe(1);
      expect(narrowed.out).toContain("[parameter-narrowed] organization.createOrganization");
      expect(narrowed.out).toContain("slug may have maxLength 50 (limit now 40)");
    },
    TIMEOUT,
  );

  it(
    "counts every member of a union argument: removing an optional parameter one member passes is refused",
    () => {
      freshCopy();
      const demo = "apps/silo/src/demo.ts";
      edit(
        demo,
        "    () => client.organization.getOrgBySlug.query({ slug }),",
        "    () => client.organization.getOrgBySlug.query(lookup),",
      );
      // A caller whose argument is a union: only one member has userId, but it may be passed.
      edit(
        demo,
        "  const read = await step(\n",
        "  const lookup: { slug: string } | { slug: string; userId: string } =\n" +
          "    Date.now() > 0 ? { slug } : { slug, userId: alice.id };\n" +
          "  const read = await step(\n",
      );
      expect(compat().out).toContain("No contract changes.");

      edit(
        "packages/services/src/organization/contract.ts",
        "        userId: id.optional(),\n",
        "",
      );
      const result = compat();
      expect(result.status).toBe(1);
      expect(result.out).toContain(
        "[optional-parameter-removed-while-passed] organization.getOrgBySlug",
      );
      expect(result.out).toMatch(/called at apps\/silo\/src\/demo\.ts:\d+/);
    },
    TIMEOUT,
  );

  it(
    "follows a service held in a variable, or passed to a function, by its type",
    () => {
      freshCopy();
      const demo = "apps/silo/src/demo.ts";
      edit(
        demo,
        "const { client } = createAppRuntime({ config, onCall: (event) => events.push(event) });\n",
        "const { client } = createAppRuntime({ config, onCall: (event) => events.push(event) });\n" +
          "const users = client.user;\n",
      );
      edit(
        demo,
        "client.user.getUser.query({ userId: alice.id })",
        "users.getUser.query({ userId: alice.id })",
      );
      const impl = "packages/services/src/organization/impl.ts";
      edit(
        impl,
        'import { implement, iso, type ServiceContext } from "../context.ts";\n',
        'import { implement, iso, type ServiceContext } from "../context.ts";\nimport type { AppClient } from "../contracts.ts";\n',
      );
      edit(
        impl,
        "ctx.client.user.getUser.query({ userId: input.ownerUserId })",
        "ownerOf(ctx.client.user, input.ownerUserId)",
      );
      fs.appendFileSync(
        path.join(copy, impl),
        '\nfunction ownerOf(users: AppClient["user"], userId: string) {\n' +
          "  return users.getUser.query({ userId });\n}\n",
      );
      const lines = fs.readFileSync(path.join(copy, impl), "utf8").split("\n");
      const helperLine = lines.indexOf("  return users.getUser.query({ userId });") + 1;

      // The method they call goes: both are still callers.
      edit(
        "packages/services/src/user/contract.ts",
        "    getUser: controlQuery({",
        "    findUser: controlQuery({",
      );
      const result = compat();
      expect(result.status).toBe(1);
      expect(result.out).toContain("[removed-method-called] user.getUser");
      expect(result.out).toContain("user.getUser is removed but still called (2 call site(s))");
      expect(result.out).toMatch(/called at apps\/silo\/src\/demo\.ts:\d+/);
      expect(result.out).toContain(`called at ${impl}:${helperLine}`);
    },
    TIMEOUT,
  );

  it(
    "reports a use of the client it cannot follow, and counts it as a caller of what it may call",
    () => {
      freshCopy();
      const demo = "apps/silo/src/demo.ts";
      edit(
        demo,
        "const { client } = createAppRuntime({ config, onCall: (event) => events.push(event) });\n",
        "const { client } = createAppRuntime({ config, onCall: (event) => events.push(event) });\n" +
          "const forLater: unknown = client.organization;\nvoid forLater;\n",
      );
      const line =
        fs
          .readFileSync(path.join(copy, demo), "utf8")
          .split("\n")
          .indexOf("const forLater: unknown = client.organization;") + 1;
      const unchanged = compat();
      expect(unchanged.status).toBe(0);
      expect(unchanged.out).toContain(
        `?     a use of the client the finder cannot follow, at ${demo}:${line}: may call organization.any method, client.organization is kept as unknown`,
      );

      // listMembers has no call in the code, but that use may call it.
      edit(
        "packages/services/src/organization/contract.ts",
        "    listMembers: regionQuery({",
        "    listMembersRenamed: regionQuery({",
      );
      const removed = compat();
      expect(removed.status).toBe(1);
      expect(removed.out).toContain("[removed-method-called] organization.listMembers");
      expect(removed.out).toContain(`called at ${demo}:${line}: may call organization.any method`);
      // It is not taken as calling the new name: a method can still be added to the service.
      expect(removed.out).toContain("organization.listMembersRenamed: added (no callers yet)");
    },
    TIMEOUT,
  );

  it(
    "flags a refinement added to a parameter, until a person accepts it",
    () => {
      freshCopy();
      const contract = "packages/services/src/user/contract.ts";
      edit(
        contract,
        "input: z.object({ userId: id }),",
        'input: z.object({ userId: id.refine((value) => !value.startsWith("00000000"), "reserved") }),',
      );
      const flagged = compat();
      expect(flagged.status).toBe(1);
      expect(flagged.out).toContain("[refinement-changed] user.getUser");
      expect(flagged.out).toContain("userId is checked by code: refine (other version: none)");
      expect(flagged.out).toContain("--update --accept refinement-changed:user.getUser");

      expect(compat("--update", "--accept", "refinement-changed:user.getUser").status).toBe(0);
      const recorded = fs.readFileSync(path.join(copy, "rpc-schema/openapi.json"), "utf8");
      expect(recorded).toContain('"x-rpc-effects": [\n');
      expect(compat().out).toContain("No contract changes.");

      // The refinement then transforms too: flagged again.
      edit(
        contract,
        '"reserved") }),',
        '"reserved").transform((value) => value.toLowerCase()) }),',
      );
      const transformed = compat();
      expect(transformed.status).toBe(1);
      expect(transformed.out).toContain(
        "userId is checked by code: refine + transform (other version: refine)",
      );
    },
    TIMEOUT,
  );
});
