// Does one JSON Schema accept every value another accepts? Enough of JSON Schema for what Zod
// emits for RPC parameters and values: types, null, enums and consts, objects (properties,
// required), arrays, anyOf, string/number/array bounds, patterns and formats. When unsure it says
// no, with the reason: the gate then stops a change for a person to look at, never lets a break pass.
import type { JsonSchema } from "../openapi.ts";

/**
 * Each reason says what `narrow` allows that `wide` does not, at a path inside the value:
 * `status may be "PENDING_DELETION"`, `value may be null`, `slug may be absent`.
 */
export function acceptsAll(
  wide: JsonSchema,
  narrow: JsonSchema,
  at = "",
  options: { ignoreAdditionalProperties?: boolean } = {},
): string[] {
  const here = at || "value";
  const wideVariants = variants(wide);
  const narrowVariants = variants(narrow);
  if (wideVariants.length > 1 || narrowVariants.length > 1) {
    const reasons: string[] = [];
    for (const n of narrowVariants) {
      const tries = wideVariants.map((w) => acceptsAll(w, n, at, options));
      if (tries.some((r) => r.length === 0)) continue;
      const t = typesOf(n);
      if (t?.size === 1 && t.has("null")) reasons.push(`${here} may be null`);
      else reasons.push(...(tries.sort((a, b) => a.length - b.length)[0] ?? [`${here} changed`]));
    }
    return reasons;
  }
  const reasons: string[] = [];
  const wideTypes = typesOf(wide);
  const narrowTypes = typesOf(narrow);
  if (wideTypes !== null) {
    if (narrowTypes === null)
      return [`${here} may be any value (now only ${[...wideTypes].join("|")})`];
    const missing = [...narrowTypes].filter(
      (t) => !(wideTypes.has(t) || (t === "integer" && wideTypes.has("number"))),
    );
    if (missing.length > 0) {
      return missing.map((t) =>
        t === "null"
          ? `${here} may be null`
          : `${here} may be ${t} (now ${[...wideTypes].join("|")})`,
      );
    }
  }
  const wideValues = valuesOf(wide);
  const narrowValues = valuesOf(narrow);
  if (wideValues !== null) {
    if (narrowValues === null)
      reasons.push(
        `${here} may be any ${[...(narrowTypes ?? [])].join("|")} (now only ${JSON.stringify(wideValues)})`,
      );
    else {
      for (const v of narrowValues) {
        if (!wideValues.some((w) => JSON.stringify(w) === JSON.stringify(v)))
          reasons.push(`${here} may be ${JSON.stringify(v)}`);
      }
    }
  }
  for (const [key, stricter] of BOUNDS) {
    const limit = wide[key];
    const before = narrow[key];
    if (typeof limit === "number" && !(typeof before === "number" && !stricter(limit, before))) {
      reasons.push(`${here} may have ${key} ${before ?? "unbounded"} (limit now ${limit})`);
    }
  }
  for (const key of ["pattern", "format"]) {
    if (typeof wide[key] === "string" && wide[key] !== narrow[key]) {
      reasons.push(
        `${here} ${key} ${JSON.stringify(narrow[key] ?? null)} became ${JSON.stringify(wide[key])}`,
      );
    }
  }
  if (isObject(wide.properties) || Array.isArray(wide.required)) {
    const wideProps = (wide.properties ?? {}) as Record<string, JsonSchema>;
    const narrowProps = (narrow.properties ?? {}) as Record<string, JsonSchema>;
    const narrowRequired = new Set((narrow.required ?? []) as string[]);
    const field = (name: string) => (at ? `${at}.${name}` : name);
    for (const name of (wide.required ?? []) as string[]) {
      if (!narrowRequired.has(name)) reasons.push(`${field(name)} may be absent`);
    }
    for (const [name, schema] of Object.entries(wideProps)) {
      const before = narrowProps[name];
      if (before !== undefined) reasons.push(...acceptsAll(schema, before, field(name), options));
    }
    if (wide.additionalProperties === false && options.ignoreAdditionalProperties !== true) {
      for (const name of Object.keys(narrowProps))
        if (!(name in wideProps)) reasons.push(`${field(name)} may be present`);
    }
  }
  if (isObject(wide.items) && isObject(narrow.items))
    reasons.push(...acceptsAll(wide.items, narrow.items, `${here}[]`, options));
  return reasons;
}

const BOUNDS: [string, (limit: number, before: number) => boolean][] = [
  ["minLength", (limit, before) => before < limit],
  ["minimum", (limit, before) => before < limit],
  ["exclusiveMinimum", (limit, before) => before < limit],
  ["minItems", (limit, before) => before < limit],
  ["maxLength", (limit, before) => before > limit],
  ["maximum", (limit, before) => before > limit],
  ["exclusiveMaximum", (limit, before) => before > limit],
  ["maxItems", (limit, before) => before > limit],
];

const isObject = (v: unknown): v is JsonSchema =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function variants(schema: JsonSchema): JsonSchema[] {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? (list as JsonSchema[]) : [schema];
}

const typeOfValue = (v: unknown) =>
  v === null
    ? "null"
    : typeof v === "number"
      ? Number.isInteger(v)
        ? "integer"
        : "number"
      : typeof v;

function typesOf(schema: JsonSchema): Set<string> | null {
  if (typeof schema.type === "string") return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type as string[]);
  const values = valuesOf(schema);
  return values === null ? null : new Set(values.map(typeOfValue));
}

function valuesOf(schema: JsonSchema): unknown[] | null {
  if ("const" in schema) return [schema.const];
  return Array.isArray(schema.enum) ? (schema.enum as unknown[]) : null;
}
