// Bad answers to `turbo gen`: each is refused with a message naming what is wrong, the command
// fails, and the repository is left exactly as it was.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changedFiles,
  copyOfRepo,
  gen,
  genRefused,
  removeCopies,
  treeState,
  turboGen,
  withChangedFile,
} from "./repo.ts";

let copy: string;
beforeAll(() => {
  copy = copyOfRepo();
});
afterAll(removeCopies);

// One of each kind through the real command; every rule of each check is in unit.test.ts.
const REFUSED: readonly (readonly [string, readonly string[], string])[] = [
  [
    "rpc-service",
    ["AuditLog", "CONTROL", "getLog", "query", "-"],
    'Service key "AuditLog" must be camelCase',
  ],
  [
    "rpc-service",
    ["organizationMapping", "CONTROL", "getLog", "query", "-"],
    'Service key "organizationMapping" is taken (by packages/services/src/organization-mapping/contract.ts)',
  ],
  [
    "rpc-service",
    ["auditLog", "CONTROL", "get-log", "query", "-"],
    'Method name "get-log" must be camelCase',
  ],
  [
    "rpc-service",
    ["auditLog", "REGION", "getLog", "query", "byUserId"],
    'Unknown resolver "byUserId"',
  ],
  ["silo-app", ["silo", "8450"], "apps/silo exists already"],
  ["silo-app", ["billing", "80"], 'Port "80" must be a whole number from 1024 to 65535'],
];

describe("turbo gen refuses bad answers and writes nothing", () => {
  it("names what is wrong in each", async () => {
    const before = treeState(copy);
    // Every invocation starts @turbo/gen and bundles the config: run them side by side.
    const runs = await Promise.all(REFUSED.map(([generator, args]) => gen(copy, generator, args)));
    for (const [index, [generator, args, message]] of REFUSED.entries()) {
      const result = runs[index];
      expect(result?.status, `${generator} ${args.join(" ")}:\n${result?.output}`).toBe(1);
      expect(result?.output, `${generator} ${args.join(" ")}`).toContain(message);
    }
    expect(changedFiles(before, treeState(copy))).toEqual([]);
  }, 300_000);

  it("says so through `npx turbo gen` too", async () => {
    const before = treeState(copy);
    const result = await turboGen(copy, "rpc-service", [
      "auditLog",
      "REGION",
      "getLog",
      "query",
      "-",
    ]);
    expect(result.output).toContain("REGION services need a resolver");
    expect(result.output).not.toContain("Success!");
    expect(changedFiles(before, treeState(copy))).toEqual([]);
    // @turbo/gen exits 1 here (the test above), but turbo 2.11.9 drops the exit status of the
    // @turbo/gen process it starts and exits 0 (README, "New service"). When this fails, turbo
    // passes the status on: expect 1 here, and correct the README.
    expect(result.status, result.output).toBe(0);
  }, 300_000);

  it("refuses to write into a registration file whose anchor comment is gone", async () => {
    const anchor = "  // turbo gen rpc-service adds new services above this line.\n";
    const output = await withChangedFile(
      path.join(copy, "packages/services/src/contracts.ts"),
      (original) => {
        expect(original).toContain(anchor);
        return original.replace(anchor, "");
      },
      () => genRefused(copy, "rpc-service", ["auditLog", "CONTROL", "getLog", "query", "-"]),
    );
    expect(output).toContain(
      'contracts.ts has no line "// turbo gen rpc-service adds new services above this line."',
    );
  }, 300_000);
});
