// `turbo gen rpc-service` in a copy of the repository, then what the issue asks of the result
// with no edits: the services' typecheck and the admin app's, the generated tests, the snapshot
// test and the compatibility check pass, and the method is in the OpenAPI document and the admin
// app's catalog. One service goes through `npx turbo gen`; one per other resolver (and a CONTROL
// one) is written by the same code first, so every template is typechecked and run.
import fs from "node:fs";
import path from "node:path";
import { type RpcServiceAnswers, writeRpcService } from "@acme/generators/rpc-service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOfRepo, removeCopies, run, turboGen } from "../test/repo.ts";

/** The service `npx turbo gen` writes, as its five --args. */
const GENERATED = ["auditLog", "REGION", "recordEvent", "mutation", "byOrganizationSlug"] as const;

/**
 * The other templates: every resolver, both kinds (a query routed by an organization answers null
 * for one nobody has, a mutation NOT_FOUND), and a CONTROL service.
 */
const WRITTEN: readonly RpcServiceAnswers[] = [
  {
    key: "usageQuota",
    mode: "CONTROL",
    method: "countOrganizations",
    kind: "query",
    resolver: null,
  },
  {
    key: "orgDirectory",
    mode: "REGION",
    method: "findOrganization",
    kind: "query",
    resolver: "byOrganizationSlug",
  },
  {
    key: "projectStats",
    mode: "REGION",
    method: "getStats",
    kind: "query",
    resolver: "byOrganizationId",
  },
  {
    key: "orgSettings",
    mode: "REGION",
    method: "saveSettings",
    kind: "mutation",
    resolver: "byOrganizationIdAttribute",
  },
  {
    key: "regionReport",
    mode: "REGION",
    method: "listOrganizations",
    kind: "query",
    resolver: "byRegionName",
  },
  {
    key: "singleTenant",
    mode: "REGION",
    method: "getOrganization",
    kind: "query",
    resolver: "requireSingleOrganization",
  },
];

describe("npx turbo gen rpc-service, in a copy of the repository", () => {
  let copy: string;
  let generation: { status: number | null; output: string };
  const services = path.join("packages", "services");
  beforeAll(async () => {
    copy = copyOfRepo();
    for (const answers of WRITTEN) writeRpcService(copy, answers);
    generation = await turboGen(copy, "rpc-service", GENERATED);
  }, 600_000);
  afterAll(removeCopies);

  it("prints the files and the next steps, and lists the folder among the actions completed", () => {
    expect(generation.output).toContain(
      [
        'Service "auditLog" (REGION) with mutation auditLog.recordEvent:',
        "  packages/services/src/audit-log/contract.ts",
      ].join("\n"),
    );
    expect(generation.output).toContain(
      [
        "Next:",
        "  (cd packages/services && npx vitest run src/audit-log)   the new test",
        "  npm run typecheck && npm test && npm run rpc:compat",
        "  Replace the starter method in packages/services/src/audit-log/impl.ts with the real work.",
        "",
      ].join("\n"),
    );
    // @turbo/gen appends the action's type to what the action returns: only the folder's line has it.
    const typed = generation.output.split("\n").filter((line) => line.includes("(rpc-service)"));
    expect(typed).toEqual(["  • packages/services/src/audit-log (rpc-service)"]);
  });

  it("writes the service, registers it, and records it in rpc-schema/openapi.json", () => {
    expect(generation.output).toContain("Success!");
    for (const file of ["contract.ts", "impl.ts", "audit-log.test.ts"]) {
      expect(fs.existsSync(path.join(copy, services, "src/audit-log", file)), file).toBe(true);
    }
    const document = JSON.parse(
      fs.readFileSync(path.join(copy, "rpc-schema/openapi.json"), "utf8"),
    ) as { paths: Record<string, { post: Record<string, unknown> }> };
    expect(document.paths["/api/0/internal/rpc/auditLog/recordEvent/"]?.post).toMatchObject({
      operationId: "auditLog.recordEvent",
      "x-silo-local-mode": "REGION",
      "x-rpc-kind": "mutation",
      "x-rpc-resolver": { kind: "byOrganizationSlug", param: "slug" },
    });
    // The ones written first are in it too: the generator's --update recorded every change.
    expect(
      document.paths["/api/0/internal/rpc/usageQuota/countOrganizations/"]?.post,
    ).toMatchObject({
      "x-silo-local-mode": "CONTROL",
      "x-rpc-kind": "query",
      "x-rpc-resolver": null,
    });
    expect(
      document.paths["/api/0/internal/rpc/orgSettings/saveSettings/"]?.post["x-rpc-resolver"],
    ).toEqual({
      kind: "byOrganizationIdAttribute",
      param: "organization",
      attribute: "organizationId",
    });
  });

  it("passes Biome, both typechecks, its tests in every silo mode, and npm run rpc:compat", async () => {
    const bin = (name: string) => path.join(copy, "node_modules/.bin", name);
    const testDirs = [GENERATED[0], ...WRITTEN.map((answers) => answers.key)].map(
      (key) => `src/${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`,
    );
    // Independent checks of the same tree: side by side.
    const [lint, servicesTypes, adminTypes, tests, compat] = await Promise.all([
      run(bin("biome"), ["check", services], { cwd: copy }),
      run(bin("tsc"), ["-p", services, "--noEmit"], { cwd: copy }),
      // As `npm run typecheck` does it: the admin app's generate step (its call-site list) first.
      run("sh", ["-c", "npm run generate && npm run typecheck"], {
        cwd: path.join(copy, "apps/admin"),
      }),
      run(bin("vitest"), ["run", ...testDirs, "test/schema.test.ts"], {
        cwd: path.join(copy, services),
      }),
      run("npm", ["run", "rpc:compat"], { cwd: copy }),
    ]);
    expect(lint.status, lint.output).toBe(0);
    expect(servicesTypes.status, servicesTypes.output).toBe(0);
    expect(adminTypes.status, adminTypes.output).toBe(0);
    expect(tests.status, tests.output).toBe(0);
    // Each generated test file and the snapshot test ran: a filter that matched nothing passes too.
    expect(tests.output).toMatch(
      new RegExp(`Test Files\\s+${testDirs.length + 1} passed \\(${testDirs.length + 1}\\)`),
    );
    expect(compat.status, compat.output).toBe(0);
    expect(compat.output).toContain("No contract changes.");
  }, 300_000);

  it("shows in the admin app's catalog, whose example input calls it successfully", async () => {
    // The admin app's own catalog module and a MONOLITH runtime like its own (run in the copy,
    // so that its packages resolve to the copy's).
    const script = path.join(copy, "apps/admin/catalog-check.ts");
    fs.writeFileSync(
      script,
      `import { createDb, seedDemoData } from "@acme/db";
import { siloConfig } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { exampleFor, methodDetails, serviceCatalog } from "./src/server/catalog.ts";

const details = methodDetails("auditLog", "recordEvent");
const input = details === undefined ? undefined : exampleFor(details.input);
const db = await createDb("memory://");
await seedDemoData(db);
const { runtime } = createAppRuntime({
  config: siloConfig({ mode: "MONOLITH", regions: [{ name: "us" }, { name: "eu" }] }),
  db,
});
const value = await runtime.call("auditLog.recordEvent", input);
await db.$disconnect();
console.log(JSON.stringify({
  services: serviceCatalog().map((service) => service.key),
  wirePath: details?.wirePath,
  input,
  value,
}));
`,
    );
    const result = await run(process.execPath, ["--import", "tsx", script], {
      cwd: path.join(copy, "apps/admin"),
    });
    expect(result.status, result.output).toBe(0);
    const report = JSON.parse(result.output.trim().split("\n").at(-1) ?? "") as {
      services: string[];
      wirePath: string;
      input: unknown;
      value: unknown;
    };
    expect(report.services).toEqual(
      expect.arrayContaining(["auditLog", ...WRITTEN.map((answers) => answers.key)]),
    );
    expect(report.wirePath).toBe("/api/0/internal/rpc/auditLog/recordEvent/");
    expect(report.input).toEqual({ slug: "acme" });
    expect(report.value).toMatchObject({ slug: "acme", regionName: "us" });
  }, 60_000);
});
