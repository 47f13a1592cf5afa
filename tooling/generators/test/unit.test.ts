// The generators' checks and plans, on this repository (read only): what each answer may be, and
// what a generation would write. e2e/ runs the real commands and what they write.
import fs from "node:fs";
import path from "node:path";
import {
  ANCHORS,
  answersNullWhenNotFound,
  checkKind,
  checkMethodName,
  checkMode,
  checkResolver,
  checkServiceKey,
  parseRpcServiceAnswers,
  planRpcService,
  RESOLVER_NAMES,
  type RpcServiceAnswers,
  rpcServiceReport,
  takenServiceKeys,
} from "@acme/generators/rpc-service";
import { checkAppName, checkPort, planSiloApp, siloAppReport } from "@acme/generators/silo-app";
import { contracts } from "@acme/services";
import { describe, expect, it } from "vitest";
import { repo } from "./repo.ts";

describe("rpc-service answers", () => {
  it("knows every service key the repository has taken, and refuses each", () => {
    const keys = contracts.map((contract) => contract.key);
    expect([...takenServiceKeys(repo).keys()].sort()).toEqual(keys.slice().sort());
    for (const key of keys) expect(checkServiceKey(repo, key)).toMatch(/is taken \(by /);
  });

  it("takes a free camelCase key, and names what is wrong with any other", () => {
    expect(checkServiceKey(repo, "auditLog")).toBe(true);
    expect(checkServiceKey(repo, "v2Billing")).toBe(true);
    expect(checkServiceKey(repo, "")).toMatch(/required/);
    for (const key of ["AuditLog", "audit-log", "audit_log", "2fa", "audit log", "éclair"]) {
      expect(checkServiceKey(repo, key)).toBe(
        `Service key "${key}" must be camelCase: a lowercase letter, then letters and digits (like "auditLog").`,
      );
    }
    expect(checkServiceKey(repo, "a".repeat(41))).toMatch(/longer than 40 characters/);
    for (const key of ["then", "constructor", "toString", "valueOf"]) {
      expect(checkServiceKey(repo, key)).toBe(
        `Service key "${key}" is a reserved name: choose another.`,
      );
    }
  });

  it("checks the mode, the method's name and kind, and the resolver for the mode", () => {
    expect(checkMode("REGION")).toBe(true);
    expect(checkMode("GLOBAL")).toBe('Local mode must be CONTROL or REGION, not "GLOBAL".');
    expect(checkMethodName("getSummary")).toBe(true);
    expect(checkMethodName("get-summary")).toMatch(/must be camelCase/);
    expect(checkMethodName("then")).toMatch(/reserved name/);
    expect(checkKind("mutation")).toBe(true);
    expect(checkKind("subscription")).toBe(
      'Method kind must be query or mutation, not "subscription".',
    );
    expect(checkResolver("-", "CONTROL")).toBe(true);
    expect(checkResolver("byRegionName", "CONTROL")).toMatch(/CONTROL services take no resolver/);
    for (const name of RESOLVER_NAMES) expect(checkResolver(name, "REGION")).toBe(true);
    expect(checkResolver("-", "REGION")).toBe(
      `REGION services need a resolver, which finds the region that owns a call's data: one of ${RESOLVER_NAMES.join(", ")}.`,
    );
    expect(checkResolver("byUserId", "REGION")).toMatch(/^Unknown resolver "byUserId"/);
  });

  it("reports every wrong answer at once, and normalizes case and spaces", () => {
    expect(() =>
      parseRpcServiceAnswers(repo, {
        key: "user-x",
        mode: "region",
        method: "get x",
        kind: "read",
        resolver: "-",
      }),
    ).toThrow(
      /Service key "user-x"[\s\S]*Method name "get x"[\s\S]*Method kind[\s\S]*REGION services need a resolver/,
    );
    expect(
      parseRpcServiceAnswers(repo, {
        key: " auditLog ",
        mode: "region",
        method: "getLog",
        kind: "Query",
        resolver: "byOrganizationId",
      }),
    ).toEqual({
      key: "auditLog",
      mode: "REGION",
      method: "getLog",
      kind: "query",
      resolver: "byOrganizationId",
    });
  });

  it("offers every resolver packages/rpc/src/resolvers.ts exports", () => {
    const source = fs.readFileSync(path.join(repo, "packages/rpc/src/resolvers.ts"), "utf8");
    const exported = [...source.matchAll(/export function (\w+)[\s\S]*?\):\s*Resolver</g)].map(
      (match) => match[1],
    );
    expect(RESOLVER_NAMES.slice().sort()).toEqual(exported.sort());
  });
});

describe("an rpc-service plan", () => {
  const plan = planRpcService(repo, {
    key: "auditLog",
    mode: "REGION",
    method: "recordEvent",
    kind: "mutation",
    resolver: "byOrganizationIdAttribute",
  });
  const updated = (file: string) => plan.update.get(`packages/services/src/${file}`) ?? "";

  it("creates the contract, the implementation and the test in the service's own folder", () => {
    expect([...plan.create.keys()]).toEqual([
      "packages/services/src/audit-log/contract.ts",
      "packages/services/src/audit-log/impl.ts",
      "packages/services/src/audit-log/audit-log.test.ts",
    ]);
    const contract = plan.create.get("packages/services/src/audit-log/contract.ts") ?? "";
    expect(contract).toContain('key: "auditLog"');
    expect(contract).toContain("recordEvent: regionMutation({");
    expect(contract).toContain('resolve: byOrganizationIdAttribute("organization")');
    expect(contract).toContain(
      "input: z.object({ organization: z.object({ organizationId: id }) })",
    );
  });

  it("registers it above each anchor, and changes nothing else", () => {
    for (const [file, anchors] of [
      ["contracts.ts", [ANCHORS.imports, ANCHORS.services, ANCHORS.exports]],
      ["registry.ts", [ANCHORS.imports, ANCHORS.services]],
      ["index.ts", [ANCHORS.exports]],
    ] as const) {
      const before = fs.readFileSync(path.join(repo, "packages/services/src", file), "utf8");
      const after = updated(file);
      for (const anchor of anchors) expect(after).toContain(anchor);
      const added = after.split("\n").filter((line) => !before.split("\n").includes(line));
      expect(added.length, file).toBe(anchors.length);
      expect(
        added.every((line) => line.includes("auditLogService")),
        file,
      ).toBe(true);
    }
    expect(updated("contracts.ts")).toContain(
      'import { auditLogService } from "./audit-log/contract.ts";',
    );
    expect(updated("registry.ts")).toContain(
      'import("./audit-log/impl.ts").then((m) => m.auditLogImpl)',
    );
  });
});

describe("a generated method about an organization nobody has", () => {
  const plan = (answers: RpcServiceAnswers) => {
    const files = planRpcService(repo, answers).create;
    const file = (name: string) => files.get(`packages/services/src/audit-log/${name}`) ?? "";
    return {
      contract: file("contract.ts"),
      impl: file("impl.ts"),
      test: file("audit-log.test.ts"),
    };
  };
  const answers = (kind: "query" | "mutation", resolver: RpcServiceAnswers["resolver"]) =>
    ({
      key: "auditLog",
      mode: resolver === null ? "CONTROL" : "REGION",
      method: "findEvent",
      kind,
      resolver,
    }) as const;
  const MAPPING_RESOLVERS = [
    "byOrganizationSlug",
    "byOrganizationId",
    "byOrganizationIdAttribute",
  ] as const;

  // demo:start
  it("follows the demo's lookup by slug, which answers null", () => {
    const getOrgBySlug = contracts.find((contract) => contract.key === "organization")?.methods
      .getOrgBySlug;
    expect(getOrgBySlug?.returnNullIfMappingNotFound).toBe(true);
    expect(getOrgBySlug?.output.safeParse(null).success).toBe(true);
  });
  // demo:end

  it.each(MAPPING_RESOLVERS)(
    "is null for a query routed %s: nullable output, returnNullIfMappingNotFound, and a test that expects null",
    (resolver) => {
      expect(answersNullWhenNotFound(answers("query", resolver))).toBe(true);
      const { contract, impl, test } = plan(answers("query", resolver));
      expect(contract).toContain(
        "output: z.object({ organizationId: id, slug, regionName }).nullable(),",
      );
      expect(contract).toContain("      returnNullIfMappingNotFound: true,\n");
      expect(contract).toContain("(null if there is none); answered in that region.");
      expect(impl).toContain("    if (mapping === null) return null;\n");
      expect(impl).not.toContain("NOT_FOUND");
      expect(impl).not.toContain("TRPCError");
      expect(test).toContain(
        'it("answers null for an organization nobody has, without calling a region, and refuses invalid input"',
      );
      expect(test).toContain("expect(result).toBeNull();");
      expect(test).toContain(
        'expect(hosts).toEqual(silo.mode === "REGION" ? ["control.silo.test"] : []);',
      );
      expect(test).not.toContain("NOT_FOUND");
    },
  );

  it.each(MAPPING_RESOLVERS)(
    "is NOT_FOUND for a mutation routed %s: a change to an organization nobody has is an error",
    (resolver) => {
      expect(answersNullWhenNotFound(answers("mutation", resolver))).toBe(false);
      const { contract, impl, test } = plan(answers("mutation", resolver));
      expect(contract).toContain("output: z.object({ organizationId: id, slug, regionName }),");
      expect(contract).not.toContain("returnNullIfMappingNotFound");
      expect(contract).not.toContain("nullable");
      expect(impl).toContain('throw new TRPCError({ code: "NOT_FOUND"');
      expect(test).toContain('code: "NOT_FOUND",');
      expect(test).toContain("(no organization mapping).");
    },
  );

  it.each([
    ["query", null],
    ["mutation", null],
    ["query", "byRegionName"],
    ["query", "requireSingleOrganization"],
  ] as const)(
    "does not apply to a %s with resolver %s, which reads no organization mapping",
    (kind, resolver) => {
      expect(answersNullWhenNotFound(answers(kind, resolver))).toBe(false);
      const { contract } = plan(answers(kind, resolver));
      expect(contract).not.toContain("returnNullIfMappingNotFound");
      expect(contract).not.toContain("nullable");
    },
  );
});

describe("what the generators print", () => {
  it("rpc-service: the files, then the next steps, ending with the sentence about the starter", () => {
    const answers = {
      key: "auditLog",
      mode: "REGION",
      method: "recordEvent",
      kind: "mutation",
      resolver: "byOrganizationSlug",
    } as const;
    const files = [...planRpcService(repo, answers).create.keys()];
    expect(rpcServiceReport(repo, answers, files)).toBe(
      [
        'Service "auditLog" (REGION) with mutation auditLog.recordEvent:',
        "  packages/services/src/audit-log/contract.ts",
        "  packages/services/src/audit-log/impl.ts",
        "  packages/services/src/audit-log/audit-log.test.ts",
        "  rpc-schema/openapi.json (npm run rpc:compat -- --update)",
        "",
        "Next:",
        "  (cd packages/services && npx vitest run src/audit-log)   the new test",
        "  npm run typecheck && npm test && npm run rpc:compat",
        "  Replace the starter method in packages/services/src/audit-log/impl.ts with the real work.",
      ].join("\n"),
    );
    expect(rpcServiceReport(repo, answers, files, "a.ts: parse error")).toContain(
      "  rpc-schema/openapi.json (npm run rpc:compat -- --update)\nBiome could not format every file:\na.ts: parse error\n\nNext:",
    );
  });

  it("silo-app: the files, what npm install did, then the next steps", () => {
    const answers = { name: "billing-silo", port: 8450 };
    const files = ["apps/billing-silo/package.json", "apps/billing-silo/src/main.ts"];
    const next = [
      "",
      "Next:",
      "  npm run dev -w @acme/billing-silo    # MONOLITH on http://127.0.0.1:8450",
      "  npm test -w @acme/billing-silo       # the smoke test",
    ];
    expect(siloAppReport(repo, answers, files, { skipped: "TURBO_GEN_SKIP_INSTALL=1" })).toBe(
      [
        "App @acme/billing-silo in apps/billing-silo (default port 8450):",
        "  apps/billing-silo/package.json",
        "  apps/billing-silo/src/main.ts",
        "npm install skipped (TURBO_GEN_SKIP_INSTALL=1): run it to link the new workspace.",
        ...next,
      ].join("\n"),
    );
    expect(siloAppReport(repo, answers, files, { ok: true, output: "" })).toContain(
      `npm install: the new workspace is linked and in package-lock.json.\n${next.join("\n")}`,
    );
    expect(siloAppReport(repo, answers, files, { ok: false, output: "ERESOLVE" })).toContain(
      "npm install failed; the app is written, run npm install yourself:\nERESOLVE\n",
    );
  });
});

describe("silo-app answers and plan", () => {
  it("takes a new lowercase name and a port from 1024 to 65535, and names what is wrong", () => {
    expect(checkAppName(repo, "billing-silo")).toBe(true);
    expect(checkAppName(repo, "silo")).toBe("apps/silo exists already: choose another name.");
    expect(checkAppName(repo, "services")).toBe(
      "A workspace package is named @acme/services already: choose another name.",
    );
    for (const name of ["Billing", "billing silo", ".hidden", "_x", "a/b", "x~y", "a".repeat(51)]) {
      expect(checkAppName(repo, name)).toMatch(/is not a valid package name/);
    }
    expect(checkPort("8450")).toBe(true);
    expect(checkPort("1024")).toBe(true);
    expect(checkPort("65535")).toBe(true);
    for (const port of ["80", "1023", "65536", "70000", "84x0", "8450.5", "-1", ""]) {
      expect(checkPort(port)).toBe(`Port "${port}" must be a whole number from 1024 to 65535.`);
    }
  });

  it("writes apps/<name> only: its package, README, configs, main and smoke test", () => {
    const plan = planSiloApp(repo, { name: "billing-silo", port: 8450 });
    expect(plan.update.size).toBe(0);
    expect([...plan.create.keys()].sort()).toEqual(
      [
        "README.md",
        "package.json",
        "scripts/build.ts",
        "src/main.ts",
        "test/smoke.test.ts",
        "tsconfig.json",
        "vitest.config.ts",
      ].map((file) => `apps/billing-silo/${file}`),
    );
    expect(JSON.parse(plan.create.get("apps/billing-silo/package.json") ?? "")).toMatchObject({
      name: "@acme/billing-silo",
      scripts: {
        dev: expect.any(String),
        build: "tsx scripts/build.ts",
        start: "exec node dist/main.js",
        test: "vitest run",
      },
    });
  });
});

// `turbo gen` runs @turbo/gen at turbo's own version (`npx @turbo/gen@<version>`): with another
// version installed, it downloads that one, or fails offline or when it was never published.
const versionOf = (file: string) =>
  (JSON.parse(fs.readFileSync(path.join(repo, file), "utf8")) as { version: string }).version;

describe("turbo and @turbo/gen", () => {
  it("are pinned to the same exact version, and installed at it", () => {
    const { devDependencies } = JSON.parse(
      fs.readFileSync(path.join(repo, "package.json"), "utf8"),
    ) as { devDependencies: Record<string, string> };
    expect(devDependencies.turbo).toMatch(/^\d+\.\d+\.\d+$/);
    expect(devDependencies["@turbo/gen"]).toBe(devDependencies.turbo);
    expect(versionOf("node_modules/turbo/package.json")).toBe(devDependencies.turbo);
    expect(versionOf("node_modules/@turbo/gen/package.json")).toBe(devDependencies.turbo);
  });
});
