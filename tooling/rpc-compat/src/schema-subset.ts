// Does one JSON Schema accept every value another accepts? Enough of JSON Schema for what Zod
// emits for RPC parameters and values: types, null, enums and consts, objects (properties,
// required, additionalProperties), records, arrays and tuples, anyOf/oneOf, string, number and
// array bounds, patterns, formats and $ref into $defs. When unsure it says no, with the reason (a
// keyword it does not know that differs is a reason): the gate then stops the change for a person
// to look at, and never lets a break pass. Code that checks a value (Zod's refinements and
// transforms, marked `x-rpc-effects` in the document) cannot be compared: one added or changed
// on the accepting side is a reason of its own kind (`isEffectsReason`).
import { EFFECTS_KEYWORD, type JsonSchema } from "@acme/rpc";

export interface AcceptsAllOptions {
  /** Extra properties in `narrow` are fine (values: old callers ignore fields they do not know). */
  readonly ignoreAdditionalProperties?: boolean;
  /**
   * The schema whose `$defs` the `$ref`s in `wide` point into: the whole input schema when `wide`
   * is one of its parameters. By default `wide` itself.
   */
  readonly wideRoot?: JsonSchema;
  /** The same for `narrow`. */
  readonly narrowRoot?: JsonSchema;
}

/**
 * Each reason says what `narrow` allows that `wide` does not, at a path inside the value:
 * `status may be "PENDING_DELETION"`, `value may be null`, `slug may be absent`.
 */
export function acceptsAll(
  wide: JsonSchema,
  narrow: JsonSchema,
  at = "",
  options: AcceptsAllOptions = {},
): string[] {
  return compare(wide, narrow, at, {
    options,
    wideRoot: options.wideRoot ?? wide,
    narrowRoot: options.narrowRoot ?? narrow,
    depth: 0,
    assumed: new Set(),
  });
}

interface Context {
  readonly options: AcceptsAllOptions;
  readonly wideRoot: JsonSchema;
  readonly narrowRoot: JsonSchema;
  readonly depth: number;
  /** The pairs of `$ref`s being compared further up: a recursive schema meets them again. */
  readonly assumed: ReadonlySet<string>;
}

const KNOWN = new Set([
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "pattern",
  "format",
  "$ref",
  "$defs",
  "$schema",
  "description",
  "title",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "id",
  EFFECTS_KEYWORD,
]);

function compare(wideIn: JsonSchema, narrowIn: JsonSchema, at: string, ctx: Context): string[] {
  const here = at || "value";
  // A recursive schema (a tree) comes back to a pair of `$ref`s it is already comparing: assume
  // that pair holds there, as subtyping of recursive types does. Its first visit, further up,
  // gives the reasons when it does not; without this the comparison would never end.
  const pair = refPair(wideIn, narrowIn);
  if (pair !== null && ctx.assumed.has(pair)) return [];
  if (ctx.depth > 32) return [`${here} is too deeply nested to compare`];
  const wide = resolveRef(wideIn, ctx.wideRoot);
  const narrow = resolveRef(narrowIn, ctx.narrowRoot);
  if (wide === null || narrow === null) return [`${here} uses a $ref that cannot be resolved`];
  const deeper = {
    ...ctx,
    depth: ctx.depth + 1,
    assumed: pair === null ? ctx.assumed : new Set([...ctx.assumed, pair]),
  };

  const effects = effectsChanged(wide, narrow, here);
  const wideVariants = variants(wide, ctx.wideRoot);
  const narrowVariants = variants(narrow, ctx.narrowRoot);
  if (wideVariants.length > 1 || narrowVariants.length > 1) {
    const reasons: string[] = [...effects];
    for (const n of narrowVariants) {
      if (wideVariants.some((w) => compare(w, n, at, deeper).length === 0)) continue;
      const nTypes = typesOf(n);
      if (nTypes?.size === 1 && nTypes.has("null")) {
        reasons.push(`${here} may be null`);
        continue;
      }
      // Explain against the variant of the same kind (the object against the object, not null).
      const sameKind = wideVariants.filter((w) => overlaps(typesOf(w), nTypes));
      const tries = sameKind
        .map((w) => compare(w, n, at, deeper))
        .sort((a, b) => a.length - b.length);
      reasons.push(...(tries[0] ?? [`${here} may be ${[...(nTypes ?? ["any value"])].join("|")}`]));
    }
    return reasons;
  }

  const wideTypes = typesOf(wide);
  const narrowTypes = typesOf(narrow);
  if (wideTypes !== null) {
    if (narrowTypes === null)
      return [...effects, `${here} may be any value (now only ${[...wideTypes].join("|")})`];
    const missing = [...narrowTypes].filter(
      (t) => !(wideTypes.has(t) || (t === "integer" && wideTypes.has("number"))),
    );
    if (missing.length > 0) {
      return [
        ...effects,
        ...missing.map((t) =>
          t === "null"
            ? `${here} may be null`
            : `${here} may be ${t} (now ${[...wideTypes].join("|")})`,
        ),
      ];
    }
  }

  const reasons: string[] = [...effects];
  const wideValues = valuesOf(wide);
  const narrowValues = valuesOf(narrow);
  if (wideValues !== null) {
    if (narrowValues === null) {
      reasons.push(
        `${here} may be any ${[...(narrowTypes ?? [])].join("|")} (now only ${JSON.stringify(wideValues)})`,
      );
    } else {
      for (const v of narrowValues) {
        if (!wideValues.some((w) => JSON.stringify(w) === JSON.stringify(v)))
          reasons.push(`${here} may be ${JSON.stringify(v)}`);
      }
    }
  }

  reasons.push(...numberBounds(wide, narrow, here));
  for (const [key, looser] of COUNT_BOUNDS) {
    const limit = wide[key];
    const before = narrow[key];
    if (typeof limit === "number" && !(typeof before === "number" && !looser(before, limit))) {
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

  const field = (name: string) => (at ? `${at}.${name}` : name);
  if (
    isObject(wide.properties) ||
    Array.isArray(wide.required) ||
    wide.additionalProperties !== undefined
  ) {
    const wideProps = (wide.properties ?? {}) as Record<string, JsonSchema>;
    const narrowProps = (narrow.properties ?? {}) as Record<string, JsonSchema>;
    const narrowRequired = new Set((narrow.required ?? []) as string[]);
    for (const name of (wide.required ?? []) as string[]) {
      if (!narrowRequired.has(name)) reasons.push(`${field(name)} may be absent`);
    }
    for (const [name, schema] of Object.entries(wideProps)) {
      const before = narrowProps[name];
      if (before !== undefined) reasons.push(...compare(schema, before, field(name), deeper));
      else if (isObject(narrow.additionalProperties))
        reasons.push(...compare(schema, narrow.additionalProperties, field(name), deeper));
    }
    const extra = wide.additionalProperties;
    if (extra === false && ctx.options.ignoreAdditionalProperties !== true) {
      for (const name of Object.keys(narrowProps))
        if (!(name in wideProps)) reasons.push(`${field(name)} may be present`);
      if (narrow.additionalProperties !== false && narrow.additionalProperties !== undefined) {
        reasons.push(`${here} may have other properties`);
      }
    } else if (isObject(extra)) {
      // A record (or an object with typed extra properties): every extra value must fit.
      for (const [name, schema] of Object.entries(narrowProps)) {
        if (!(name in wideProps)) reasons.push(...compare(extra, schema, field(name), deeper));
      }
      if (isObject(narrow.additionalProperties))
        reasons.push(...compare(extra, narrow.additionalProperties, `${here}{*}`, deeper));
      else if (
        narrow.additionalProperties !== false &&
        ctx.options.ignoreAdditionalProperties !== true
      ) {
        reasons.push(`${here} may have other properties of any type`);
      }
    }
  }

  if (Array.isArray(wide.prefixItems) || Array.isArray(narrow.prefixItems)) {
    const w = (wide.prefixItems ?? []) as JsonSchema[];
    const n = (narrow.prefixItems ?? []) as JsonSchema[];
    if (w.length !== n.length)
      reasons.push(`${here} has ${n.length} positional items (now ${w.length})`);
    w.forEach((schema, i) => {
      const before = n[i];
      if (before !== undefined) reasons.push(...compare(schema, before, `${here}[${i}]`, deeper));
    });
  }
  if (isObject(wide.items)) {
    if (isObject(narrow.items))
      reasons.push(...compare(wide.items, narrow.items, `${here}[]`, deeper));
    else if (
      narrow.items === undefined &&
      narrow.prefixItems === undefined &&
      narrowTypes?.has("array")
    ) {
      reasons.push(`${here}[] may be any value`);
    }
  }

  // Anything else that differs is not understood: say so rather than pass it.
  for (const key of new Set([...Object.keys(wide), ...Object.keys(narrow)])) {
    if (KNOWN.has(key) || JSON.stringify(wide[key]) === JSON.stringify(narrow[key])) continue;
    reasons.push(`${here} changed "${key}" (not understood by the gate: check it by hand)`);
  }
  return reasons;
}

const CHECKED_BY_CODE = " is checked by code: ";

/**
 * `wide` runs code on the value (a refinement, a transform) that `narrow` did not run, or other
 * code: what it refuses is not in the document, so nothing says `wide` accepts what `narrow` did.
 * Code only `narrow` ran is fine: `wide` is then the looser one.
 */
export function effectsChanged(wide: JsonSchema, narrow: JsonSchema, here: string): string[] {
  const runs = effectsOf(wide);
  const ran = effectsOf(narrow);
  if (runs.length === 0 || JSON.stringify(runs) === JSON.stringify(ran)) return [];
  const list = (effects: string[]) => (effects.length > 0 ? effects.join(" + ") : "none");
  return [`${here}${CHECKED_BY_CODE}${list(runs)} (other version: ${list(ran)})`];
}

/** Whether a reason of `acceptsAll` is about code it cannot compare (see `effectsChanged`). */
export const isEffectsReason = (reason: string) => reason.includes(CHECKED_BY_CODE);

const effectsOf = (schema: JsonSchema): string[] =>
  Array.isArray(schema[EFFECTS_KEYWORD]) ? (schema[EFFECTS_KEYWORD] as string[]) : [];

const COUNT_BOUNDS: [string, (before: number, limit: number) => boolean][] = [
  ["minLength", (before, limit) => before < limit],
  ["minItems", (before, limit) => before < limit],
  ["maxLength", (before, limit) => before > limit],
  ["maxItems", (before, limit) => before > limit],
];

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** The tighter of `minimum`/`exclusiveMinimum` (or maximum), as one bound. */
function bound(schema: JsonSchema, side: "min" | "max"): Bound | null {
  const inclusive = schema[side === "min" ? "minimum" : "maximum"];
  const exclusive = schema[side === "min" ? "exclusiveMinimum" : "exclusiveMaximum"];
  const candidates: Bound[] = [];
  if (typeof inclusive === "number") candidates.push({ value: inclusive, exclusive: false });
  if (typeof exclusive === "number") candidates.push({ value: exclusive, exclusive: true });
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => {
    if (a.value !== b.value)
      return (side === "min" ? a.value > b.value : a.value < b.value) ? a : b;
    return a.exclusive ? a : b;
  });
}

function numberBounds(wide: JsonSchema, narrow: JsonSchema, here: string): string[] {
  const reasons: string[] = [];
  for (const side of ["min", "max"] as const) {
    const limit = bound(wide, side);
    if (limit === null) continue;
    const before = bound(narrow, side);
    const describe = (b: Bound | null) =>
      b === null
        ? "unbounded"
        : `${b.exclusive ? (side === "min" ? ">" : "<") : side === "min" ? ">=" : "<="} ${b.value}`;
    const looser =
      before === null ||
      (side === "min" ? before.value < limit.value : before.value > limit.value) ||
      (before.value === limit.value && limit.exclusive && !before.exclusive);
    if (looser) reasons.push(`${here} may be ${describe(before)} (limit now ${describe(limit)})`);
  }
  return reasons;
}

const isObject = (v: unknown): v is JsonSchema =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The key of a comparison of which at least one side is a `$ref` (null: neither is). */
function refPair(wide: JsonSchema, narrow: JsonSchema): string | null {
  if (typeof wide.$ref !== "string" && typeof narrow.$ref !== "string") return null;
  return JSON.stringify([wide, narrow]);
}

/**
 * The schema a `$ref` into `root`'s `$defs` stands for (with the keywords beside the `$ref`),
 * or the schema itself when it is no `$ref`; null when the definition is missing.
 */
export function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema | null {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string"; hops++) {
    const match = /^#\/\$defs\/(.+)$/.exec(current.$ref);
    const target = match
      ? (root.$defs as Record<string, JsonSchema> | undefined)?.[
          decodeURIComponent(match[1] as string)
        ]
      : undefined;
    if (target === undefined || hops > 16) return null;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

function variants(schema: JsonSchema, root: JsonSchema): JsonSchema[] {
  const list = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(list)) return [schema];
  return (list as JsonSchema[]).flatMap((v) => {
    const resolved = resolveRef(v, root);
    return resolved === null ? [v] : variants(resolved, root);
  });
}

function overlaps(a: Set<string> | null, b: Set<string> | null): boolean {
  if (a === null || b === null) return true;
  return [...b].some((t) => a.has(t) || (t === "integer" && a.has("number")));
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
