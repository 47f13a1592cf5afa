// An example value for a JSON Schema (as Zod writes it): what the OpenAPI document offers as each
// method's example request, and what viewers such as Scalar put in their curl examples.
import type { JsonSchema } from "./openapi.ts";

/** Stand-ins for string formats, each valid for the format Zod checks. */
const FORMAT_EXAMPLES: Readonly<Record<string, string>> = {
  uuid: "0190f5e2-3c4b-7a1d-9e8f-1234567890ab",
  email: "someone@example.com",
  "date-time": "2026-01-01T00:00:00.000Z",
  date: "2026-01-01",
  time: "00:00:00",
  uri: "https://example.com",
};

const isRecord = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The smallest value the schema accepts that still says something: a schema's own `examples`
 * (from Zod's `.meta({ examples })`) first, then its `default`, `const` or first enum value;
 * objects get their required properties, arrays one item, strings a stand-in for their format
 * stretched or cut to their length bounds, numbers their lower bound. A `pattern` without
 * `examples` cannot be guessed: such a field needs `.meta({ examples: [...] })`, which the
 * services' tests check for every method.
 */
export function schemaExample(schema: JsonSchema, root: JsonSchema = schema, depth = 0): unknown {
  if (depth > 16) return null;
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace(/^#\/\$defs\//, "");
    const target = isRecord(root.$defs) ? root.$defs[name] : undefined;
    return isRecord(target) ? schemaExample(target, root, depth + 1) : null;
  }
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const members = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(members)) {
    const first = (members as JsonSchema[]).find((member) => member.type !== "null") ?? members[0];
    return isRecord(first) ? schemaExample(first, root, depth + 1) : null;
  }
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case "object": {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(
        required.map((name) => {
          const property = properties[name];
          return [name, isRecord(property) ? schemaExample(property, root, depth + 1) : null];
        }),
      );
    }
    case "array": {
      if (schema.maxItems === 0 || !isRecord(schema.items)) return [];
      const count = typeof schema.minItems === "number" ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: count }, () =>
        schemaExample(schema.items as JsonSchema, root, depth + 1),
      );
    }
    case "string":
      return stringExample(schema);
    case "integer":
    case "number":
      return numberExample(schema);
    case "boolean":
      return false;
    default:
      return null;
  }
}

function stringExample(schema: JsonSchema): string {
  const known = typeof schema.format === "string" ? FORMAT_EXAMPLES[schema.format] : undefined;
  if (known !== undefined) return known;
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
  let text = "example";
  while (text.length < min) text += "-example";
  return text.slice(0, Math.max(min, Math.min(max, text.length)));
}

function numberExample(schema: JsonSchema): number {
  const step = schema.type === "integer" ? 1 : 0.5;
  let value = 0;
  // z.int() bounds itself by the safe integers: not a bound worth an example.
  if (typeof schema.minimum === "number" && schema.minimum !== Number.MIN_SAFE_INTEGER)
    value = schema.minimum;
  else if (typeof schema.exclusiveMinimum === "number") value = schema.exclusiveMinimum + step;
  if (typeof schema.maximum === "number" && value > schema.maximum) value = schema.maximum;
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum)
    value = schema.exclusiveMaximum - step;
  return value;
}
