// A generation whose last step, the compatibility check, fails: every file it wrote is put back.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOfRepo, genRefused, removeCopies, withChangedFile } from "../test/repo.ts";

let copy: string;
beforeAll(() => {
  copy = copyOfRepo();
});
afterAll(removeCopies);

describe("turbo gen rpc-service, when npm run rpc:compat -- --update fails", () => {
  it("puts every file back when the new contract fails the compatibility check", async () => {
    // The deployed snapshot says a method's output had one more field than the code's has: an
    // unsafe change that `npm run rpc:compat -- --update` refuses, after the files are written.
    const output = await withChangedFile(
      path.join(copy, "rpc-schema/openapi.json"),
      (original) => {
        const document = JSON.parse(original) as {
          paths: Record<string, { post: { responses: Record<string, unknown> } }>;
        };
        const value = Object.values(document.paths)
          .map(
            (item) =>
              (item.post.responses["200"] as ValueHolder).content["application/json"].schema
                .properties.value,
          )
          .find((schema) => schema.type === "object" && schema.properties !== undefined);
        if (value?.properties === undefined) throw new Error("no operation returns a plain object");
        value.properties.removedField = { type: "string" };
        value.required = [...(value.required ?? []), "removedField"];
        return `${JSON.stringify(document, null, 2)}\n`;
      },
      () => genRefused(copy, "rpc-service", ["auditLog", "CONTROL", "getLog", "query", "-"]),
    );
    expect(output).toContain("npm run rpc:compat -- --update failed, so nothing was kept");
    expect(output).toContain("[output-field-removed]");
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
