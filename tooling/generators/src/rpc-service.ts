// `turbo gen rpc-service`: a new RPC service in packages/services, written the way the demo
// services are (contract.ts, impl.ts), with a test that calls its method from every silo, and
// registered in contracts.ts, registry.ts and index.ts at the anchor comments those files keep.
import fs from "node:fs";
import path from "node:path";
import {
  applyChanges,
  type FileChanges,
  formatFiles,
  type Generated,
  GeneratorInputError,
  insertAbove,
  insertSorted,
  kebabCase,
  runCommand,
  sentenceCase,
  workspaceScope,
} from "./files.ts";

export type { Generated } from "./files.ts";

export const SERVICES_SRC = "packages/services/src";

/** The comments in the services package where the generator adds a new service's lines. */
export const ANCHORS = {
  imports: "// turbo gen rpc-service adds imports above this line.",
  services: "// turbo gen rpc-service adds new services above this line.",
  exports: "// turbo gen rpc-service adds exports above this line.",
} as const;

export const LOCAL_MODES = ["CONTROL", "REGION"] as const;
export type LocalMode = (typeof LOCAL_MODES)[number];
export const METHOD_KINDS = ["query", "mutation"] as const;
export type MethodKind = (typeof METHOD_KINDS)[number];

/** What a CONTROL service passes for the resolver it does not have. */
export const NO_RESOLVER = "-";

/**
 * The resolvers of packages/rpc/src/resolvers.ts, each with the starter method it gets: an input
 * carrying what the resolver reads, and a handler that needs no model of its own (it reads the
 * organization's mapping, which every project has). A test fails when resolvers.ts exports a
 * resolver this table lacks.
 */
export const RESOLVERS = {
  byOrganizationSlug: {
    summary: "the region of the organization whose slug is in `slug`",
    starter: "the organization with this slug, and its region",
    resolve: 'byOrganizationSlug("slug")',
    input: "z.object({ slug: z.string().min(1) })",
  },
  byOrganizationId: {
    summary: "the region of the organization whose id is in `organizationId`",
    starter: "the organization with this id, and its region",
    resolve: 'byOrganizationId("organizationId")',
    input: "z.object({ organizationId: id })",
  },
  byOrganizationIdAttribute: {
    summary: "the region of the organization whose id is in `organization.organizationId`",
    starter: "the organization whose id is organization.organizationId, and its region",
    resolve: 'byOrganizationIdAttribute("organization")',
    input: "z.object({ organization: z.object({ organizationId: id }) })",
  },
  byRegionName: {
    summary: "the region named in `regionName`",
    starter: "the slugs of the organizations that live in this region",
    resolve: 'byRegionName("regionName")',
    input: "z.object({ regionName })",
  },
  requireSingleOrganization: {
    summary: "the region of the only organization (single-organization installs)",
    starter: "the install's only organization, and its region",
    resolve: "requireSingleOrganization()",
    input: "z.object({})",
  },
} as const;
export type ResolverName = keyof typeof RESOLVERS;
export const RESOLVER_NAMES = Object.keys(RESOLVERS) as ResolverName[];

/** The resolvers that read an organization's mapping: a call about an unmapped one finds no region. */
const MAPPING_RESOLVERS: readonly ResolverName[] = [
  "byOrganizationSlug",
  "byOrganizationId",
  "byOrganizationIdAttribute",
];

/**
 * Whether the starter answers null for an organization nobody has, as the demo's lookups do
 * (`organization.getOrgBySlug`: a nullable output, and `returnNullIfMappingNotFound` so that an
 * unmapped organization is null too, without a call to any region): queries routed by an
 * organization's mapping. A mutation about an organization nobody has stays NOT_FOUND, the
 * runtime's answer for a missing mapping: a change that cannot be made is an error.
 */
export function answersNullWhenNotFound(answers: RpcServiceAnswers): boolean {
  return (
    answers.kind === "query" &&
    answers.resolver !== null &&
    MAPPING_RESOLVERS.includes(answers.resolver)
  );
}

export interface RpcServiceAnswers {
  /** The service key: `client.<key>.<method>`, and the URL segment. */
  readonly key: string;
  readonly mode: LocalMode;
  /** The first method's name. */
  readonly method: string;
  readonly kind: MethodKind;
  /** REGION services: the resolver of the first method. CONTROL services: none. */
  readonly resolver: ResolverName | null;
}

const NAME = /^[a-z][A-Za-z0-9]*$/;
// Names a tRPC router refuses, and the properties every object has: a client path or a handler
// map with one of them would not do what it says.
const RESERVED = new Set([
  "then",
  "call",
  "apply",
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/** The keys of the services the repository defines, by the contract file that defines each. */
export function takenServiceKeys(root: string): Map<string, string> {
  const taken = new Map<string, string>();
  const dir = path.join(root, SERVICES_SRC);
  const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" });
  for (const file of files.filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    if (!text.includes("defineService(")) continue;
    for (const match of text.matchAll(/\bkey:\s*["'`]([^"'`]+)["'`]/g)) {
      taken.set(match[1] as string, `${SERVICES_SRC}/${file.split(path.sep).join("/")}`);
    }
  }
  return taken;
}

/** An error message, or true: for the prompt and for the generator itself. */
export function checkServiceKey(root: string, key: string): string | true {
  if (key === "") return 'The service key is required: a camelCase name such as "billing".';
  if (!NAME.test(key)) {
    return `Service key "${key}" must be camelCase: a lowercase letter, then letters and digits (like "auditLog").`;
  }
  if (key.length > 40) return `Service key "${key}" is longer than 40 characters.`;
  if (RESERVED.has(key)) return `Service key "${key}" is a reserved name: choose another.`;
  const taken = takenServiceKeys(root);
  const owner = taken.get(key);
  if (owner !== undefined) {
    return `Service key "${key}" is taken (by ${owner}). Taken keys: ${[...taken.keys()].join(", ")}.`;
  }
  const dir = `${SERVICES_SRC}/${kebabCase(key)}`;
  if (fs.existsSync(path.join(root, dir))) {
    return `${dir} exists already: service "${key}" would be written there.`;
  }
  return true;
}

export function checkMode(mode: string): string | true {
  return (LOCAL_MODES as readonly string[]).includes(mode)
    ? true
    : `Local mode must be CONTROL or REGION, not "${mode}".`;
}

export function checkMethodName(method: string): string | true {
  if (method === "") return 'The method name is required: a camelCase name such as "getSummary".';
  if (!NAME.test(method)) {
    return `Method name "${method}" must be camelCase: a lowercase letter, then letters and digits (like "getSummary").`;
  }
  if (method.length > 60) return `Method name "${method}" is longer than 60 characters.`;
  if (RESERVED.has(method)) return `Method name "${method}" is a reserved name: choose another.`;
  return true;
}

export function checkKind(kind: string): string | true {
  return (METHOD_KINDS as readonly string[]).includes(kind)
    ? true
    : `Method kind must be query or mutation, not "${kind}".`;
}

export function checkResolver(resolver: string, mode: string): string | true {
  const known = RESOLVER_NAMES.join(", ");
  if (mode === "CONTROL") {
    return resolver === NO_RESOLVER || resolver === ""
      ? true
      : `CONTROL services take no resolver (their methods always run in the control silo): give "${NO_RESOLVER}", not "${resolver}".`;
  }
  if (resolver === NO_RESOLVER || resolver === "") {
    return `REGION services need a resolver, which finds the region that owns a call's data: one of ${known}.`;
  }
  return Object.hasOwn(RESOLVERS, resolver)
    ? true
    : `Unknown resolver "${resolver}": the resolvers of packages/rpc/src/resolvers.ts are ${known}.`;
}

/** Checks every answer, and names every one that is wrong. */
export function parseRpcServiceAnswers(
  root: string,
  raw: Readonly<Record<string, unknown>>,
): RpcServiceAnswers {
  const text = (name: string) =>
    typeof raw[name] === "string" ? (raw[name] as string).trim() : "";
  const key = text("key");
  const mode = text("mode").toUpperCase();
  const method = text("method");
  const kind = text("kind").toLowerCase();
  const resolver = text("resolver");
  const problems = [
    checkServiceKey(root, key),
    checkMode(mode),
    checkMethodName(method),
    checkKind(kind),
    checkMode(mode) === true ? checkResolver(resolver, mode) : true,
  ].filter((check): check is string => check !== true);
  if (problems.length > 0) throw new GeneratorInputError(problems.join("\n"));
  return {
    key,
    mode: mode as LocalMode,
    method,
    kind: kind as MethodKind,
    resolver: mode === "REGION" ? (resolver as ResolverName) : null,
  };
}

interface Names {
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly dir: string;
  readonly service: string;
  readonly impl: string;
  readonly title: string;
  /** `query` or `mutate`: how the client calls the method. */
  readonly verb: "query" | "mutate";
}

function namesOf(root: string, answers: RpcServiceAnswers): Names {
  return {
    scope: workspaceScope(root),
    key: answers.key,
    method: answers.method,
    dir: `${SERVICES_SRC}/${kebabCase(answers.key)}`,
    service: `${answers.key}Service`,
    impl: `${answers.key}Impl`,
    title: sentenceCase(answers.key),
    verb: answers.kind === "query" ? "query" : "mutate",
  };
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

function contractSource(n: Names, a: RpcServiceAnswers): string {
  const factory = `${a.mode === "CONTROL" ? "control" : "region"}${a.kind === "query" ? "Query" : "Mutation"}`;
  const rpcImports = ["defineService", factory];
  let doc: string;
  let description: string;
  let methodDescription: string;
  let input: string;
  let output: string;
  let resolve = "";
  const models = new Set<string>();
  if (a.resolver === null) {
    doc = `${n.title}: global data, kept in the control silo.`;
    description = `${n.title}, from the control silo.`;
    methodDescription =
      "Starter method: how many organizations live in this region, from the control silo's mappings.";
    input = "z.object({ regionName })";
    output = "z.object({ regionName, organizationCount: z.int().min(0) })";
    models.add("regionName");
  } else {
    const resolver = RESOLVERS[a.resolver];
    doc = `${n.title}: data that lives in each organization's region.`;
    description = `${n.title}, in the region that holds the organization.`;
    const nullable = answersNullWhenNotFound(a);
    rpcImports.push(a.resolver);
    resolve = `      resolve: ${resolver.resolve},\n${nullable ? "      returnNullIfMappingNotFound: true,\n" : ""}`;
    input = resolver.input;
    methodDescription = `Starter method: ${resolver.starter}${nullable ? " (null if there is none)" : ""}; answered in that region.`;
    if (a.resolver === "byRegionName") {
      output = "z.object({ regionName, organizationSlugs: z.array(slug) })";
      models.add("regionName").add("slug");
    } else {
      output = `z.object({ organizationId: id, slug, regionName })${nullable ? ".nullable()" : ""}`;
      models.add("id").add("slug").add("regionName");
    }
    if (input.includes("regionName")) models.add("regionName");
  }
  return `import { ${sorted(rpcImports).join(", ")} } from "${n.scope}/rpc";
import { z } from "zod";
import { ${sorted(models).join(", ")} } from "../models.ts";

/** ${doc} */
export const ${n.service} = defineService({
  key: "${n.key}",
  localMode: "${a.mode}",
  description: ${JSON.stringify(description)},
  methods: {
    ${n.method}: ${factory}({
      description: ${JSON.stringify(methodDescription)},
      input: ${input},
      output: ${output},
${resolve}    }),
  },
});
`;
}

function implSource(n: Names, a: RpcServiceAnswers): string {
  const header = (needsError: boolean) =>
    `${needsError ? `import { TRPCError } from "${n.scope}/rpc";\n` : ""}import { implement } from "../context.ts";
import { ${n.service} } from "./contract.ts";

export const ${n.impl} = implement(${n.service}, {
`;
  if (a.resolver === null) {
    return `${header(false)}  // A starter, to replace with the method's work on the control silo's database (ctx.db).
  ${n.method}: async ({ input, ctx }) => ({
    regionName: input.regionName,
    organizationCount: await ctx.db.organizationMapping.count({
      where: { regionName: input.regionName },
    }),
  }),
});
`;
  }
  if (a.resolver === "byRegionName") {
    return `${header(false)}  // A starter, to replace with the method's work on this region's database (ctx.db). It runs
  // in the region named by regionName, and asks the control silo which organizations live there.
  ${n.method}: async ({ input, ctx }) => {
    const page = await ctx.client.organizationMapping.list.query({ regionName: input.regionName });
    return {
      regionName: input.regionName,
      organizationSlugs: page.mappings.map((mapping) => mapping.slug),
    };
  },
});
`;
  }
  const comment = `  // A starter, to replace with the method's work on this region's database (ctx.db). It runs
  // in the region its resolver chose, and reads the organization's mapping through this silo's
  // routing cache (a region silo asks the control silo).
`;
  const found = `    const { organizationId, slug, regionName } = mapping;
    return { organizationId, slug, regionName };
  },
});
`;
  if (a.resolver === "requireSingleOrganization") {
    return `${header(true)}  // A starter, to replace with the method's work on this region's database (ctx.db). It reads
  // the one organization's mapping through this silo's routing (a region silo asks the control
  // silo).
  ${n.method}: async ({ ctx }) => {
    const mapping = await ctx.mappings.single();
    if (mapping === null) {
      throw new TRPCError({
        code: "PRECONDITION_FAILED",
        message: "This install no longer has exactly one organization.",
      });
    }
${found}`;
  }
  const lookup = {
    byOrganizationSlug: [
      "ctx.mappings.bySlug(input.slug)",
      `\`No organization with slug "\${input.slug}".\``,
    ],
    byOrganizationId: [
      "ctx.mappings.byId(input.organizationId)",
      `\`No organization \${input.organizationId}.\``,
    ],
    byOrganizationIdAttribute: [
      "ctx.mappings.byId(input.organization.organizationId)",
      `\`No organization \${input.organization.organizationId}.\``,
    ],
  }[a.resolver];
  if (answersNullWhenNotFound(a)) {
    // With no mapping the runtime answers null before any region is called (the contract's
    // returnNullIfMappingNotFound).
    return `${header(false)}${comment}  ${n.method}: async ({ input, ctx }) => {
    const mapping = await ${lookup[0]};
    // Gone since the call was routed: null, as for an organization nobody has.
    if (mapping === null) return null;
${found}`;
  }
  return `${header(true)}${comment}  ${n.method}: async ({ input, ctx }) => {
    const mapping = await ${lookup[0]};
    if (mapping === null) {
      throw new TRPCError({ code: "NOT_FOUND", message: ${lookup[1]} });
    }
${found}`;
}

function testSource(n: Names, a: RpcServiceAnswers): string {
  const methodPath = `${n.key}.${n.method}`;
  const call = `const call = (client: AppClient, input: Parameters<AppClient["${n.key}"]["${n.method}"]["${n.verb}"]>[0]) =>
  client.${n.key}.${n.method}.${n.verb}(input);
`;
  const single = a.resolver === "requireSingleOrganization";
  const byOrganization = a.resolver !== null && a.resolver !== "byRegionName" && !single;
  const helpers = [
    single
      ? ""
      : `const regions = [...new Set(demoData.organizations.map((organization) => organization.region))];

/** The demo organizations of a region, in slug order. */
const organizationsIn = (region: string) =>
  demoData.organizations
    .filter((organization) => organization.region === region)
    .sort((x, y) => x.slug.localeCompare(y.slug));
`,
    byOrganization
      ? `
const organizationIn = (region: string) => {
  const found = organizationsIn(region)[0];
  if (found === undefined) throw new Error(\`no demo organization in \${region}\`);
  return found;
};
`
      : "",
    a.resolver === "byOrganizationId" || a.resolver === "byOrganizationIdAttribute"
      ? '\nconst MISSING_ID = "01940000-0000-7000-8000-999999999999";\n'
      : "",
  ].join("");
  const reached = `
  /** The silos a call reached over the wire, by host (\`eu.silo.test\`). */
  const reached = async (run: () => Promise<unknown>) => {
    const before = services.topology.requests.length;
    await run();
    return services.topology.requests.slice(before).map((request) => new URL(request.url).host);
  };
`;
  const header = `// ${methodPath}, called from every silo, each on its own database: in process where
// the method runs, over the real wire (serialized, signed, verified, validated) from the others.
import { demoData } from "${n.scope}/db";
import { testEngines } from "${n.scope}/db/testing";
import { SILO_MODES, type SiloIdentity, siloName } from "${n.scope}/rpc/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppClient } from "../contracts.ts";
import { createServiceTopology, type ServiceTopology } from "../testing.ts";

${call}
${helpers}
describe.each(testEngines)("${methodPath} [%s]", (engine) => {
  let services: ServiceTopology;
  beforeAll(async () => {
    services = await createServiceTopology(engine);
  });
  afterAll(() => services.dispose());
${reached}
  describe.each(SILO_MODES.map((silo) => [siloName(silo), silo] as const))(
    "called from %s",
    (_name, silo: SiloIdentity) => {
`;
  const footer = `    },
  );
});
`;
  if (a.resolver === null) {
    return `${header}      it.each(regions)("counts the organizations in %s, in the control silo", async (region) => {
        let result: unknown;
        const hosts = await reached(async () => {
          result = await call(services.client(silo), { regionName: region });
        });
        expect(result).toEqual({
          regionName: region,
          organizationCount: organizationsIn(region).length,
        });
        // A region silo asks the control silo over the wire; the others have its data at hand.
        expect(hosts).toEqual(silo.mode === "REGION" ? ["control.silo.test"] : []);
      });

      it("counts none in a region without organizations, and refuses invalid input", async () => {
        const client = services.client(silo);
        expect(await call(client, { regionName: "mars" })).toEqual({
          regionName: "mars",
          organizationCount: 0,
        });
        await expect(call(client, { regionName: "" })).rejects.toMatchObject({
          code: "BAD_REQUEST",
        });
      });
${footer}`;
  }
  /** Where a call about `region` runs in process: a MONOLITH, or that region's own silo. */
  const local = `const inProcess = silo.mode === "MONOLITH" || silo.region === region;`;
  /** The region silos a call reached; the control silo also answers mapping lookups. */
  const regionHosts = `hosts.filter((host) => host !== "control.silo.test")`;
  if (a.resolver === "byRegionName") {
    return `${header}      it.each(regions)("lists the organizations of %s, in that region", async (region) => {
        let result: unknown;
        const hosts = await reached(async () => {
          result = await call(services.client(silo), { regionName: region });
        });
        expect(result).toEqual({
          regionName: region,
          organizationSlugs: organizationsIn(region).map((organization) => organization.slug),
        });
        ${local}
        expect(${regionHosts}).toEqual(inProcess ? [] : [\`\${region}.silo.test\`]);
      });

      it("refuses a region that is not configured, and invalid input", async () => {
        const client = services.client(silo);
        await expect(call(client, { regionName: "mars" })).rejects.toMatchObject({
          code: "BAD_REQUEST",
          message: \`Unknown region "mars". Configured regions: \${regions.join(", ")}.\`,
        });
        await expect(call(client, { regionName: "" })).rejects.toMatchObject({
          code: "BAD_REQUEST",
        });
      });
${footer}`;
  }
  if (a.resolver === "requireSingleOrganization") {
    return `${header}      it("refuses while the install has several organizations", async () => {
        await expect(call(services.client(silo), {})).rejects.toMatchObject({
          code: "PRECONDITION_FAILED",
          message: expect.stringContaining("single-organization install"),
        });
      });
    },
  );

  // Last: they leave the MONOLITH's and the control silo's mappings with one organization.
  describe("in a single-organization install", () => {
    const only = demoData.organizations.find((organization) => organization.region === "eu");
    beforeAll(async () => {
      if (only === undefined) throw new Error("no demo organization in eu");
      for (const name of ["monolith", "control"]) {
        await services.databases.get(name)?.db.organizationMapping.deleteMany({
          where: { organizationId: { not: only.id } },
        });
      }
    });

    it.each(SILO_MODES.map((silo) => [siloName(silo), silo] as const))(
      "answers with the one organization, called from %s, in its region",
      async (_name, silo: SiloIdentity) => {
        let result: unknown;
        const hosts = await reached(async () => {
          result = await call(services.client(silo), {});
        });
        expect(result).toEqual({
          organizationId: only?.id,
          slug: only?.slug,
          regionName: "eu",
        });
        const region = "eu";
        ${local}
        expect(${regionHosts}).toEqual(inProcess ? [] : [\`\${region}.silo.test\`]);
      },
    );
  });
});
`;
  }
  const args = {
    byOrganizationSlug: (o: string) => `{ slug: ${o}.slug }`,
    byOrganizationId: (o: string) => `{ organizationId: ${o}.id }`,
    byOrganizationIdAttribute: (o: string) => `{ organization: { organizationId: ${o}.id } }`,
  }[a.resolver];
  const missing = {
    byOrganizationSlug: [
      '{ slug: "no-such-organization" }',
      "'No organization with slug \"no-such-organization\" (no organization mapping).'",
      '{ slug: "" }',
    ],
    byOrganizationId: [
      "{ organizationId: MISSING_ID }",
      `\`No organization \${MISSING_ID} (no organization mapping).\``,
      '{ organizationId: "not-a-uuid" }',
    ],
    byOrganizationIdAttribute: [
      "{ organization: { organizationId: MISSING_ID } }",
      `\`No organization \${MISSING_ID} (no organization mapping).\``,
      '{ organization: { organizationId: "not-a-uuid" } }',
    ],
  }[a.resolver];
  return `${header}      it.each(regions)("answers for an organization in %s, in that region", async (region) => {
        const organization = organizationIn(region);
        let result: unknown;
        const hosts = await reached(async () => {
          result = await call(services.client(silo), ${args("organization")});
        });
        expect(result).toEqual({
          organizationId: organization.id,
          slug: organization.slug,
          regionName: region,
        });
        ${local}
        expect(${regionHosts}).toEqual(inProcess ? [] : [\`\${region}.silo.test\`]);
      });

${
  answersNullWhenNotFound(a)
    ? `      it("answers null for an organization nobody has, without calling a region, and refuses invalid input", async () => {
        const client = services.client(silo);
        let result: unknown;
        const hosts = await reached(async () => {
          result = await call(client, ${missing[0]});
        });
        expect(result).toBeNull();
        // Only the mapping lookup, which a region silo makes in the control silo.
        expect(hosts).toEqual(silo.mode === "REGION" ? ["control.silo.test"] : []);
        await expect(call(client, ${missing[2]})).rejects.toMatchObject({ code: "BAD_REQUEST" });
      });
`
    : `      it("answers NOT_FOUND for an organization nobody has, and refuses invalid input", async () => {
        const client = services.client(silo);
        await expect(call(client, ${missing[0]})).rejects.toMatchObject({
          code: "NOT_FOUND",
          message: ${missing[1]},
        });
        await expect(call(client, ${missing[2]})).rejects.toMatchObject({ code: "BAD_REQUEST" });
      });
`
}${footer}`;
}

/** Every file the service needs, and the three registrations: nothing is written yet. */
export function planRpcService(root: string, answers: RpcServiceAnswers): FileChanges {
  const n = namesOf(root, answers);
  const read = (file: string) => fs.readFileSync(path.join(root, SERVICES_SRC, file), "utf8");
  const contracts = insertSorted(
    insertAbove(
      insertAbove(
        read("contracts.ts"),
        "contracts.ts",
        ANCHORS.imports,
        `import { ${n.service} } from "./${kebabCase(n.key)}/contract.ts";`,
      ),
      "contracts.ts",
      ANCHORS.services,
      `${n.service},`,
    ),
    "contracts.ts",
    ANCHORS.exports,
    n.service,
  );
  const registry = insertAbove(
    insertSorted(read("registry.ts"), "registry.ts", ANCHORS.imports, n.service),
    "registry.ts",
    ANCHORS.services,
    `{ contract: ${n.service}, load: () => import("./${kebabCase(n.key)}/impl.ts").then((m) => m.${n.impl}) },`,
  );
  const index = insertSorted(read("index.ts"), "index.ts", ANCHORS.exports, n.service);
  return {
    create: new Map([
      [`${n.dir}/contract.ts`, contractSource(n, answers)],
      [`${n.dir}/impl.ts`, implSource(n, answers)],
      [`${n.dir}/${kebabCase(n.key)}.test.ts`, testSource(n, answers)],
    ]),
    update: new Map([
      [`${SERVICES_SRC}/contracts.ts`, contracts],
      [`${SERVICES_SRC}/registry.ts`, registry],
      [`${SERVICES_SRC}/index.ts`, index],
    ]),
  };
}

/**
 * Writes the service and its registrations, formatted like the code around them. Returns the
 * files written and the undo.
 */
export function writeRpcService(
  root: string,
  answers: RpcServiceAnswers,
): { files: string[]; undo: () => void; formatted: boolean; formatOutput: string } {
  const changes = planRpcService(root, answers);
  const undo = applyChanges(root, changes);
  const files = [...changes.create.keys(), ...changes.update.keys()];
  const format = formatFiles(root, files);
  // Biome 2.6 mangles a list of imported names with trailing comments when it merges two imports
  // (it appends a name to a comment). The insertions above merge nothing; make sure they stayed
  // code.
  const service = namesOf(root, answers).service;
  const mangled = [...changes.update.keys()].filter((file) =>
    fs
      .readFileSync(path.join(root, file), "utf8")
      .split("\n")
      .some((line) => line.includes("//") && line.indexOf("//") < line.indexOf(service)),
  );
  if (mangled.length > 0) {
    undo();
    throw new Error(
      `Formatting broke the registration of ${service} in ${mangled.join(", ")}; nothing was kept.\n${format.output}`,
    );
  }
  return { files, undo, formatted: format.ok, formatOutput: format.output };
}

/** What the generator prints once the service is written: its files, and what to do next. */
export function rpcServiceReport(
  root: string,
  answers: RpcServiceAnswers,
  files: readonly string[],
  formatProblem: string | null = null,
): string {
  const n = namesOf(root, answers);
  return [
    `Service "${n.key}" (${answers.mode}) with ${answers.kind} ${n.key}.${n.method}:`,
    ...files.map((file) => `  ${file}`),
    "  rpc-schema/openapi.json (npm run rpc:compat -- --update)",
    ...(formatProblem === null ? [] : [`Biome could not format every file:\n${formatProblem}`]),
    "",
    "Next:",
    `  (cd packages/services && npx vitest run ${n.dir.replace("packages/services/", "")})   the new test`,
    "  npm run typecheck && npm test && npm run rpc:compat",
    `  Replace the starter method in ${n.dir}/impl.ts with the real work.`,
  ].join("\n");
}

/**
 * The whole generator: checks the answers, writes the service, then records the new contract in
 * rpc-schema/openapi.json with the repository's own `npm run rpc:compat -- --update` (which also
 * checks that the change is safe to deploy). If that fails, every file is put back as it was.
 */
export function generateRpcService(
  root: string,
  raw: Readonly<Record<string, unknown>>,
): Generated {
  const answers = parseRpcServiceAnswers(root, raw);
  const snapshot = path.join(root, "rpc-schema/openapi.json");
  const deployed = fs.existsSync(snapshot) ? fs.readFileSync(snapshot, "utf8") : null;
  const { files, undo, formatted, formatOutput } = writeRpcService(root, answers);
  const compat = runCommand(root, "npm", ["run", "--silent", "rpc:compat", "--", "--update"]);
  if (!compat.ok) {
    undo();
    if (deployed !== null) fs.writeFileSync(snapshot, deployed);
    throw new Error(
      `npm run rpc:compat -- --update failed, so nothing was kept:\n${compat.output}`,
    );
  }
  return {
    folder: namesOf(root, answers).dir,
    report: rpcServiceReport(root, answers, files, formatted ? null : formatOutput),
  };
}
