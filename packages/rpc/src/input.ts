// Every call's input is checked here before any method sees it, wherever it came from (the wire,
// or a caller in this process): strings no silo can store are refused, and the schema's verdict
// is always a verdict, never an exception, whatever value it is handed.
import type { z } from "zod";
import { invalidInput } from "./wire.ts";

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function unstorable(text: string): string | undefined {
  if (text.indexOf("\u0000") !== -1)
    return "contains U+0000 (NUL), which PostgreSQL cannot store in text";
  // A UTF-16 surrogate that is not half of a pair (ES2024's isWellFormed, in Node 20).
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed())
    return "contains a lone UTF-16 surrogate, which is not Unicode";
  return undefined;
}

/**
 * The strings in a JSON value (keys included) that no database of a silo can store: PostgreSQL
 * refuses U+0000 in text, and a lone surrogate is not Unicode (Prisma cannot send it). Every
 * `z.string()` accepts both, so this check runs for every method, before its schema.
 */
export function unstorableStrings(value: unknown, path: PropertyKey[] = []): Issue[] {
  if (typeof value === "string") {
    const reason = unstorable(value);
    return reason === undefined ? [] : [{ path, message: `The text ${reason}.` }];
  }
  if (typeof value !== "object" || value === null) return [];
  const issues: Issue[] = [];
  const entries: [PropertyKey, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof key === "string") {
      const reason = unstorable(key);
      if (reason !== undefined) issues.push({ path, message: `A property name ${reason}.` });
    }
    issues.push(...unstorableStrings(item, [...path, key]));
  }
  return issues;
}

/** Whether every string of a JSON value (keys included) can be stored: the check of every call,
 * without allocating, so the issues are only gathered for the rare input that fails it. */
function allStorable(value: unknown): boolean {
  if (typeof value === "string") return unstorable(value) === undefined;
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!allStorable(item)) return false;
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (unstorable(key) !== undefined || !allStorable((value as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}

/**
 * Validates a call's input with its method's schema, or throws BAD_REQUEST with the issues. A
 * schema that throws on a hostile value (zod 4.6 does, for `{"length": {"toString": 1}}` given
 * to a string with a length bound) is an invalid input too, not a failure of the silo.
 */
export function parseInput<S extends z.ZodType>(
  where: string,
  schema: S,
  raw: unknown,
): z.output<S> {
  const input = raw ?? {};
  if (!allStorable(input)) throw invalidInput(where, unstorableStrings(input));
  let parsed: ReturnType<S["safeParse"]>;
  try {
    parsed = schema.safeParse(input) as ReturnType<S["safeParse"]>;
  } catch (error) {
    throw invalidInput(where, [
      {
        path: [],
        message: `The input could not be checked against the method's schema (${
          error instanceof Error ? error.message : String(error)
        }): send JSON of the documented shape.`,
      },
    ]);
  }
  if (!parsed.success) throw invalidInput(where, parsed.error.issues);
  return parsed.data as z.output<S>;
}
