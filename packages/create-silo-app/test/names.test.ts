import { describe, expect, it } from "vitest";
import { checkProjectName, checkScope, defaultScope, InputError } from "../src/names.ts";

describe("project names", () => {
  it.each(["my-app", "shop", "a.b", "app_2"])("accepts %s", (name) => {
    expect(checkProjectName(name)).toBe(name);
  });

  it.each([
    ["My-App", "name can no longer contain capital letters"],
    [".hidden", "name cannot start with a period"],
    ["_private", "name cannot start with an underscore"],
    ["node_modules", "node_modules is not a valid package name"],
    ["http", "http is a core module name"],
    ["with space", "name can only contain URL-friendly characters"],
    ["wow!", 'name can no longer contain special characters ("~\'!()*")'],
  ])("refuses %s: %s", (name, reason) => {
    expect(() => checkProjectName(name)).toThrow(InputError);
    expect(() => checkProjectName(name)).toThrow(`Invalid project name "${name}": ${reason}`);
  });
});

describe("scopes", () => {
  it("takes the scope with or without its @, and defaults to the project name", () => {
    expect(checkScope("@acme")).toBe("@acme");
    expect(checkScope("my-co")).toBe("@my-co");
    expect(checkScope("@a.b_c-d")).toBe("@a.b_c-d");
    expect(defaultScope("shop")).toBe("@shop");
  });

  it.each([
    ["@", "the name after @ is empty"],
    ["@@acme", 'it cannot contain "/" or another "@"'],
    ["@acme/x", 'it cannot contain "/" or another "@"'],
    ["@.acme", 'it cannot start with ".", "_" or "-"'],
    ["@-acme", 'it cannot start with ".", "_" or "-"'],
    ["@ACME", "a scoped package name can no longer contain capital letters"],
    ["@a b", "a scoped package name can only contain URL-friendly characters"],
    [`@${"x".repeat(210)}`, "more than 214 characters"],
  ])("refuses %s: %s", (scope, reason) => {
    expect(() => checkScope(scope)).toThrow(InputError);
    expect(() => checkScope(scope)).toThrow(`Invalid scope "${scope}": `);
    expect(() => checkScope(scope)).toThrow(reason);
  });
});
