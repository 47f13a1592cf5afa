// Zod's validation issues in words for the forms: what the field needs ("Required", "At least 3
// characters", "A UUID, like 0190…") rather than the schema library's wording ("Too small:
// expected string to have >=1 characters"). The one place the admin words an issue.
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

const FORMATS: Readonly<Record<string, string>> = {
  uuid: "A UUID, like 0190f5e2-3c4b-7a1d-9e8f-1234567890ab",
  email: "An email address, like alice@example.com",
  datetime: "A date and time, like 2026-01-01T00:00:00.000Z",
  date: "A date, like 2026-01-01",
  url: "A URL, like https://example.com",
};

const TYPES: Readonly<Record<string, string>> = {
  string: "Text",
  number: "A number",
  int: "A whole number",
  boolean: "true or false",
  object: "An object",
  array: "A list",
};

const plural = (count: number | bigint, unit: string) =>
  `${count} ${unit}${Number(count) === 1 ? "" : "s"}`;
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function bound(issue: Issue & { code: "too_small" | "too_big" }): string {
  const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const least = issue.code === "too_small";
  switch (issue.origin) {
    case "string":
      if (least && Number(limit) === 1) return "Required";
      return `${least ? "At least" : "At most"} ${plural(limit, "character")}`;
    case "array":
    case "set":
      return `${least ? "At least" : "At most"} ${plural(limit, "item")}`;
    default:
      return issue.inclusive === false
        ? `${least ? "More" : "Less"} than ${limit}`
        : `${least ? "At least" : "At most"} ${limit}`;
  }
}

/** What the value at the issue's path needs, as a form would say it. */
export function issueText(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      // Zod words a missing value as "..., received undefined".
      if (/received undefined$/.test(issue.message)) return "Required";
      return TYPES[issue.expected] ?? `A value of type ${issue.expected}`;
    case "too_small":
    case "too_big":
      return bound(issue);
    case "invalid_format":
      if (issue.format === "regex") {
        // A message the schema gave ("must be lowercase letters...") says it best.
        return issue.message.startsWith("Invalid string:")
          ? "Not in the expected form"
          : capitalized(issue.message);
      }
      return FORMATS[issue.format] ?? `A valid ${issue.format}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `Must be ${JSON.stringify(issue.values[0])}`
        : `One of ${issue.values.map(String).join(", ")}`;
    case "unrecognized_keys":
      return `Unknown parameter${issue.keys.length === 1 ? "" : "s"}: ${issue.keys.join(", ")}`;
    case "invalid_union":
      return "Not any of the accepted forms";
    default:
      return capitalized(issue.message);
  }
}

/** `a.b.0`: an issue's path as the RPC error's issues write it. */
export const issuePath = (issue: Issue): string => issue.path.map(String).join(".");

/**
 * The issues an RPC error reported, each worded by `issueText` from the schema's own issue at the
 * same path (the input checked again here, where the schema is at hand); one per path and
 * wording, so the same issue is never listed twice. An issue the schema here does not see (a
 * silo on another version) keeps the silo's words.
 */
export function humanIssues(
  schema: z.ZodType,
  input: unknown,
  reported: readonly { path: string; message: string }[],
): { path: string; message: string }[] {
  let local: readonly Issue[] = [];
  try {
    local = schema.safeParse(input).error?.issues ?? [];
  } catch {
    // Hostile input can make validation throw (FACTS.md): keep the reported words.
  }
  const seen = new Set<string>();
  const worded: { path: string; message: string }[] = [];
  for (const issue of reported) {
    const same = local.find((candidate) => issuePath(candidate) === issue.path);
    const message = same === undefined ? issue.message : issueText(same);
    const key = `${issue.path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    worded.push({ path: issue.path, message });
  }
  return worded;
}
