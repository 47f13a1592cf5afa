import { describe, expect, it } from "vitest";
import { z } from "zod";
import { humanIssues, issueText } from "./issue-text.ts";

/** The words for the one issue `schema` finds in `value`. */
const wordsFor = (schema: z.ZodType, value: unknown) => {
  const issues = schema.safeParse(value).error?.issues ?? [];
  expect(issues).toHaveLength(1);
  return issueText(issues[0] as z.core.$ZodIssue);
};

describe("issueText", () => {
  it.each([
    ["Required", z.object({ slug: z.string() }), {}],
    ["Required", z.string().min(1), ""],
    ["At least 3 characters", z.string().min(3), "ab"],
    ["At most 1 character", z.string().max(1), "ab"],
    ["At most 100 items", z.array(z.string()).max(100), Array(101).fill("x")],
    ["At least 1", z.int().min(1), 0],
    ["Less than 5", z.number().lt(5), 5],
    ["Text", z.string(), 42],
    ["A whole number", z.int(), 1.5],
    ["A UUID, like 0190f5e2-3c4b-7a1d-9e8f-1234567890ab", z.uuid(), "not-a-uuid"],
    ["An email address, like alice@example.com", z.email(), "not-an-email"],
    ["A date and time, like 2026-01-01T00:00:00.000Z", z.iso.datetime(), "yesterday"],
    ["One of ACTIVE, DISABLED", z.enum(["ACTIVE", "DISABLED"]), "GONE"],
    ["Unknown parameter: extra", z.strictObject({}), { extra: 1 }],
    // A message the schema gives is kept, as a sentence.
    ["Must be lowercase", z.string().regex(/^[a-z]+$/, "must be lowercase"), "ABC"],
  ] as const)("%s", (words, schema, value) => {
    expect(wordsFor(schema, value)).toBe(words);
  });

  it("never uses the schema library's own wording", () => {
    expect(wordsFor(z.string().min(1), "")).not.toMatch(/Too small|expected string/);
    expect(wordsFor(z.uuid(), "x")).not.toMatch(/Invalid UUID/);
  });
});

describe("humanIssues", () => {
  const schema = z.object({ userId: z.uuid(), name: z.string().min(1) });

  it("words each reported issue from the schema's issue at its path, once", () => {
    expect(
      humanIssues(schema, { userId: "x", name: "" }, [
        { path: "userId", message: "Invalid UUID" },
        { path: "userId", message: "Invalid UUID" },
        { path: "name", message: "Too small: expected string to have >=1 characters" },
      ]),
    ).toEqual([
      { path: "userId", message: "A UUID, like 0190f5e2-3c4b-7a1d-9e8f-1234567890ab" },
      { path: "name", message: "Required" },
    ]);
  });

  it("keeps the reported words for an issue the schema here does not see", () => {
    expect(
      humanIssues(schema, { userId: "0190f5e2-3c4b-7a1d-9e8f-1234567890ab", name: "a" }, [
        { path: "region", message: "Unknown region" },
      ]),
    ).toEqual([{ path: "region", message: "Unknown region" }]);
  });
});
