import { slug } from "@acme/services";
import { describe, expect, it } from "vitest";
import { SLUG_PATTERN } from "./slug-pattern.ts";

// What a browser does with a `pattern` attribute: the whole value must match, `v` flag.
const browserPattern = () => new RegExp(`^(?:${SLUG_PATTERN})$`, "v");

describe("SLUG_PATTERN", () => {
  it("compiles as browsers compile a pattern attribute (the v flag)", () => {
    expect(browserPattern).not.toThrow();
  });

  it.each([
    "acme",
    "a",
    "e2e-1",
    "a-b-c",
    "9lives",
    "",
    "-acme",
    "acme-",
    "Acme",
    "a_b",
    "a b",
    "ünï",
    "a--b",
  ])("agrees with the contracts' slug schema on %j", (value) => {
    expect(browserPattern().test(value)).toBe(slug.safeParse(value).success);
  });
});
