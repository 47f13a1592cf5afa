// The call-site finder (src/call-sites.ts) on a small program written for the cases: a typed
// client of two services, and one file per way of reaching (or losing) it. Then what the rules
// make of what it found.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { byOrganizationSlug, defineService, openApiDocument, regionQuery } from "@acme/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type CallSite, checkCompatibility, findCallSites } from "../src/index.ts";

const repo = path.join(import.meta.dirname, "../../..");

/** The program: the client's type, then the files of the cases, each at line 3 onwards. */
const CLIENT = `
import { byOrganizationSlug, controlQuery, defineService, regionQuery, type SiloClient } from "@acme/rpc";
import { z } from "zod";

const organizationService = defineService({
  key: "organization",
  localMode: "REGION",
  methods: {
    getOrgBySlug: regionQuery({
      input: z.object({ slug: z.string(), userId: z.string().optional() }),
      output: z.null(),
      resolve: byOrganizationSlug("slug"),
    }),
    listMembers: regionQuery({
      input: z.object({ slug: z.string() }),
      output: z.array(z.string()),
      resolve: byOrganizationSlug("slug"),
    }),
  },
});
const userService = defineService({
  key: "user",
  localMode: "CONTROL",
  methods: { getUser: controlQuery({ input: z.object({ userId: z.string() }), output: z.null() }) },
});
const contracts = [organizationService, userService] as const;
export type Client = SiloClient<typeof contracts>;
export declare const client: Client;
`;

const CASES: Record<string, string> = {
  "direct.ts": `
client.organization.getOrgBySlug.query({ slug: "a" });
client["user"]["getUser"].query({ userId: "u" });
`,
  "variable.ts": `
const orgs = client.organization;
orgs.getOrgBySlug.query({ slug: "a" });
const { user } = client;
user.getUser.query({ userId: "u" });
`,
  "passed.ts": `
function lookUp(orgs: Client["organization"], slug: string) {
  return orgs.getOrgBySlug.query({ slug });
}
lookUp(client.organization, "a");
function viaClient(c: Client) {
  return c.user.getUser.query({ userId: "u" });
}
viaClient(client);
function run(method: Client["organization"]["listMembers"]) {
  return method.query({ slug: "a" });
}
run(client.organization.listMembers);
`,
  "kept.ts": `
const context = { db: null, client };
context.client.user.getUser.query({ userId: "u" });
const byName = new Map<string, Client>();
byName.set("a", client);
byName.get("a")?.organization.listMembers.query({ slug: "a" });
export async function later() {
  const resolved = await Promise.resolve(client);
  return (resolved ?? client).user.getUser.query({ userId: "u" });
}
if (client) console.log("a client");
`,
  "union.ts": `
declare const args: { slug: string } | { slug: string; userId: string };
client.organization.getOrgBySlug.query(args);
declare const optional: { slug: string; userId?: string };
client.organization.getOrgBySlug.query({ ...optional });
declare const loose: Record<string, string>;
client.organization.getOrgBySlug.query(loose as { slug: string });
`,
  "lost.ts": `
function log(value: unknown) {
  return value;
}
log(client.organization);
(client as any).user.getUser.query({ userId: "u" });
declare const name: "getOrgBySlug" | "listMembers";
client.organization[name].query({ slug: "a" });
const query = client.user.getUser.query;
query({ userId: "u" });
Object.values(client.organization);
const kept: unknown = client;
`,
  "gone.ts": `
// @ts-expect-error: a method the contracts no longer have
client.organization.removedMethod.query({ slug: "a" });
const orgs = client.organization;
// @ts-expect-error: the same, through a variable
orgs.removedMethod.query({ slug: "a" });
`,
  "look-alike.ts": `
const fake = { organization: { getOrgBySlug: { query: (input: unknown) => input } } };
fake.organization.getOrgBySlug.query({ slug: "a" });
`,
};

let dir: string;
let sites: CallSite[];
/** The call sites of one case file, without the file name. */
const sitesOf = (file: string) =>
  sites.filter((site) => site.file === file).map(({ file: _file, ...rest }) => rest);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rpc-compat-sites-"));
  // The repository's node_modules, so @acme/rpc, @trpc/client and zod resolve as in the repository.
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ extends: "@acme/tsconfig/base.json", include: ["*.ts"] }),
  );
  fs.writeFileSync(path.join(dir, "client.ts"), CLIENT);
  for (const [file, body] of Object.entries(CASES)) {
    const header = 'import { type Client, client } from "./client.ts";\n';
    fs.writeFileSync(path.join(dir, file), `${header}${body.trimStart()}`);
  }
  sites = findCallSites({ root: dir, tsconfigs: [path.join(dir, "tsconfig.json")] });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("findCallSites follows the client by its type", () => {
  it("through the client itself, by property or by literal key", () => {
    expect(sitesOf("direct.ts")).toEqual([
      { service: "organization", method: "getOrgBySlug", line: 2, passes: ["slug"], mayPass: [] },
      { service: "user", method: "getUser", line: 3, passes: ["userId"], mayPass: [] },
    ]);
  });

  it("through a service held in a variable, or taken out of the client", () => {
    expect(sitesOf("variable.ts")).toEqual([
      { service: "organization", method: "getOrgBySlug", line: 3, passes: ["slug"], mayPass: [] },
      { service: "user", method: "getUser", line: 5, passes: ["userId"], mayPass: [] },
    ]);
  });

  it("into a function given a service, the client, or a method", () => {
    expect(sitesOf("passed.ts")).toEqual([
      { service: "organization", method: "getOrgBySlug", line: 3, passes: ["slug"], mayPass: [] },
      { service: "user", method: "getUser", line: 7, passes: ["userId"], mayPass: [] },
      { service: "organization", method: "listMembers", line: 11, passes: ["slug"], mayPass: [] },
    ]);
  });

  it("through objects, containers and promises that keep its type; a test of it is no call", () => {
    expect(sitesOf("kept.ts")).toEqual([
      { service: "user", method: "getUser", line: 3, passes: ["userId"], mayPass: [] },
      { service: "organization", method: "listMembers", line: 6, passes: ["slug"], mayPass: [] },
      { service: "user", method: "getUser", line: 9, passes: ["userId"], mayPass: [] },
    ]);
  });

  it("names a method the contracts no longer have, from the service it is taken from", () => {
    expect(sitesOf("gone.ts")).toEqual([
      { service: "organization", method: "removedMethod", line: 3, passes: ["slug"], mayPass: [] },
      { service: "organization", method: "removedMethod", line: 6, passes: ["slug"], mayPass: [] },
    ]);
  });

  it("ignores a look-alike whose query is not the tRPC client's", () => {
    expect(sitesOf("look-alike.ts")).toEqual([]);
  });
});

describe("findCallSites: what an argument may pass", () => {
  it("a union: every member's properties, surely those in all of them", () => {
    const [union, spread, loose] = sitesOf("union.ts");
    expect(union).toMatchObject({ line: 3, passes: ["slug"], mayPass: ["userId"] });
    expect(spread).toMatchObject({ line: 5, passes: ["slug"], mayPass: ["userId"] });
    // A type with an index signature can hold any name: the argument is not read.
    expect(loose).toMatchObject({ line: 7, passes: ["slug"], mayPass: [] });
  });

  it("a union member's property may be passed: removing it is flagged", () => {
    const union = sites.find((site) => site.file === "union.ts");
    if (union === undefined) throw new Error("no call site in union.ts");
    const organization = (userId: boolean) =>
      defineService({
        key: "organization",
        localMode: "REGION",
        methods: {
          getOrgBySlug: regionQuery({
            input: z.object({
              slug: z.string(),
              ...(userId ? { userId: z.string().optional() } : {}),
            }),
            output: z.null(),
            resolve: byOrganizationSlug("slug"),
          }),
        },
      });
    const report = checkCompatibility(
      openApiDocument([organization(true)]),
      openApiDocument([organization(false)]),
      [union],
    );
    expect(report.violations.map((v) => [v.rule, v.message])).toEqual([
      [
        "optional-parameter-removed-while-passed",
        'organization.getOrgBySlug: parameter "userId" is removed but 1 call site(s) still pass it.',
      ],
    ]);
  });
});

describe("findCallSites: a use of the client it cannot follow is an unknown call site", () => {
  it("says where and why, and which service or method it may call", () => {
    expect(sitesOf("lost.ts")).toEqual([
      {
        service: "organization",
        method: null,
        line: 5,
        passes: "unknown",
        mayPass: [],
        unknown: "client.organization is passed to log as unknown",
      },
      {
        service: null,
        method: null,
        line: 6,
        passes: "unknown",
        mayPass: [],
        unknown: "client loses the client's type in client as any",
      },
      {
        service: "organization",
        method: null,
        line: 8,
        passes: "unknown",
        mayPass: [],
        unknown: "client.organization[name]: a member chosen at run time",
      },
      {
        service: "user",
        method: "getUser",
        line: 9,
        passes: "unknown",
        mayPass: [],
        unknown: "client.user.getUser.query is taken without being called there",
      },
      expect.objectContaining({
        service: "organization",
        method: null,
        line: 11,
        unknown: expect.stringMatching(/^client\.organization is passed to Object\.values/),
      }),
      {
        service: null,
        method: null,
        line: 12,
        passes: "unknown",
        mayPass: [],
        unknown: "client is kept as unknown",
      },
    ]);
  });

  it("is not reported anywhere the client is followed", () => {
    const followed = ["direct.ts", "variable.ts", "passed.ts", "kept.ts", "union.ts", "gone.ts"];
    expect(sites.filter((site) => followed.includes(site.file) && site.unknown)).toEqual([]);
  });
});
