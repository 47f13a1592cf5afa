// A generation whose last step, the compatibility check, fails: every file it wrote is put back.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changedFiles, copyOfRepo, gen, removeCopies, treeState } from "../test/repo.ts";

let copy: string;
beforeAll(() => {
  copy = copyOfRepo();
});
afterAll(removeCopies);

describe("turbo gen rpc-service, when npm run rpc:compat -- --update fails", () => {
  it("puts every file back when the new contract fails the compatibility check", async () => {
    // The deployed snapshot says a method's output had one more field than the code's has: an
    // unsafe change that `npm run rpc:compat -- --update` refuses, after the files are written.
    const snapshot = path.join(copy, "rpc-schema/openapi.json");
    const original = fs.readFileSync(snapshot, "utf8");
    const document = JSON.parse(original) as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    const value = Object.values(document.paths)
      .map(
        (item) =>
          (item.post.responses["200"] as ValueHolder).content["application/json"].schema.properties
            .value,
      )
      .find((schema) => schema.type === "object" && schema.properties !== undefined);
    if (value?.properties === undefined) throw new Error("no operation returns a plain object");
    value.properties.removedField = { type: "string" };
    value.required = [...(value.required ?? []), "removedField"];
    fs.writeFileSync(snapshot, `${JSON.stringify(document, null, 2)}\n`);
    try {
      const before = treeState(copy);
      const result = await gen(copy, "rpc-service", [
        "auditLog",
        "CONTROL",
        "getLog",
        "query",
        "-",
      ]);
      expect(result.status, result.output).toBe(1);
      expect(result.output).toContain("npm run rpc:compat -- --update failed, so nothing was kept");
      expect(result.output).toContain("[output-field-removed]");
      expect(changedFiles(before, treeState(copy))).toEqual([]);
    } finally {
      fs.writeFileSync(snapshot, original);
    }
  }, 120_000);
});

interface ObjectSchema {
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
}
interface ValueHolder {
  content: { "application/json": { schema: { properties: { value: ObjectSchema } } } };
}
