// Words for a JSON Schema (as Zod writes it): a field's type and its limits. Used by SchemaView.
import type { JsonSchema } from "@acme/rpc";

/** What a string format is called: a uuid field is a "UUID", not a "string". */
const FORMAT_NAMES: Readonly<Record<string, string>> = {
  uuid: "UUID",
  "date-time": "date-time (ISO 8601)",
  date: "date (ISO 8601)",
  time: "time (ISO 8601)",
  email: "email address",
  uri: "URL",
};

/** "UUID", "array of UUID", "object or null", "one of ACTIVE, DISABLED", "string (ipv4)". */
export function typeText(schema: JsonSchema): string {
  if ("const" in schema) return `always ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(", ")}`;
  const members = alternatives(schema);
  if (members !== undefined) return members.map(typeText).join(" or ");
  if (typeof schema.$ref === "string") return schema.$ref.split("/").at(-1) ?? schema.$ref;
  switch (schema.type) {
    case "array":
      return isRecord(schema.items) ? `array of ${typeText(schema.items)}` : "array";
    case "string":
      if (typeof schema.format !== "string") return "string";
      return FORMAT_NAMES[schema.format] ?? `string (${schema.format})`;
    case undefined:
      return "any value";
    default:
      return Array.isArray(schema.type) ? schema.type.join(" or ") : String(schema.type);
  }
}

/** The limits a value must keep: lengths, bounds, item counts, a pattern, a default. */
export function limitsOf(schema: JsonSchema): string[] {
  const limits: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    const low = typeof min === "number" ? min : undefined;
    const high = typeof max === "number" ? max : undefined;
    if (low !== undefined && high !== undefined) limits.push(`${low}–${high} ${unit}`);
    else if (low !== undefined) limits.push(`at least ${low} ${low === 1 ? singular(unit) : unit}`);
    else if (high !== undefined)
      limits.push(`at most ${high} ${high === 1 ? singular(unit) : unit}`);
  };
  range(schema.minLength, schema.maxLength, "characters");
  range(schema.minItems, schema.maxItems, "items");
  // z.int() bounds itself by the safe integers: not a limit anyone chose.
  range(
    schema.minimum === Number.MIN_SAFE_INTEGER ? undefined : schema.minimum,
    schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum,
    "",
  );
  if (typeof schema.exclusiveMinimum === "number") limits.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number") limits.push(`< ${schema.exclusiveMaximum}`);
  if (typeof schema.pattern === "string" && typeof schema.format !== "string")
    limits.push(`matches ${schema.pattern}`);
  if ("default" in schema) limits.push(`default ${JSON.stringify(schema.default)}`);
  return limits.map((limit) => limit.trim());
}

export function alternatives(schema: JsonSchema): JsonSchema[] | undefined {
  const members = schema.anyOf ?? schema.oneOf;
  return Array.isArray(members) ? (members as JsonSchema[]) : undefined;
}

export const isRecord = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const singular = (unit: string) => unit.replace(/s$/, "");
