import { describe, expect, it } from "vitest";
import { InputValidationError, invalidInput, validationIssues } from "../src/wire.ts";

describe("validation issues", () => {
  it("are read from a BAD_REQUEST made by another copy of this module", async () => {
    // Next bundles each route separately, so one process can hold two copies of @acme/rpc: an
    // error made by one must still be recognised by the other.
    const copy = (await import(
      /* @vite-ignore */ new URL("../src/wire.ts?second-copy", import.meta.url).href
    )) as typeof import("../src/wire.ts");
    expect(copy.InputValidationError).not.toBe(InputValidationError);
    const error = copy.invalidInput("user.getByEmail", [{ path: ["email"], message: "Invalid" }]);
    expect(error.cause).toBeInstanceOf(InputValidationError);
    expect(validationIssues(error)).toEqual([{ path: "email", message: "Invalid" }]);
  });

  it("are absent from other errors, however they look", () => {
    const lookalike = new Error("x", { cause: { name: "InputValidationError", issues: [] } });
    expect(validationIssues(lookalike)).toBeUndefined();
    expect(validationIssues(new Error("x", { cause: new Error("y") }))).toBeUndefined();
    expect(validationIssues(invalidInput("m", [{ message: "bad" }]))).toEqual([
      { path: "", message: "bad" },
    ]);
  });
});
