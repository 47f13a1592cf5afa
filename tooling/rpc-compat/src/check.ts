// The compatibility gate's rules: what may change in an RPC method between two deployed
// contracts, given who calls what (docs/evolving-rpc-methods.md).
import { FORMER_RESOLVER_KINDS, type JsonSchema } from "@acme/rpc";
import { acceptsAll, effectsChanged, isEffectsReason, resolveRef } from "./schema-subset.ts";

/** One method as a contract document records it. */
export interface MethodRecord {
  readonly service: string;
  readonly method: string;
  readonly kind: string;
  readonly localMode: string;
  readonly resolver: unknown;
  readonly idempotent: boolean;
  readonly returnNullIfMappingNotFound: boolean;
  /** JSON Schema of `args`. */
  readonly input: JsonSchema;
  /** JSON Schema of `value`. */
  readonly output: JsonSchema;
}

/**
 * A call through the typed client found in the source (`client.<service>.<method>.query(...)`,
 * however the service or method got there), or a use of the client the finder cannot follow,
 * which may call any method it does not name.
 */
export interface CallSite {
  /** Null: any service (a use of the whole client the finder cannot follow). */
  readonly service: string | null;
  /** Null: any method of the service. */
  readonly method: string | null;
  readonly file: string;
  readonly line: number;
  /** Parameter names the call surely passes, or "unknown" when the checker cannot tell. */
  readonly passes: readonly string[] | "unknown";
  /** Names it may pass (optional properties of the argument's type, every union member's). */
  readonly mayPass?: readonly string[];
  /** Set when the finder cannot follow this use of the client: why, e.g. "orgs is passed to log as any". */
  readonly unknown?: string;
  /** Set on call sites of the deployed code (the base), as opposed to the changed code. */
  readonly deployed?: string;
}

/**
 * Whether the call site may call this method. A use the finder cannot follow may call any method
 * it does not name, unless `named`: only sites that name the method count.
 */
export function mayCall(
  site: CallSite,
  record: { service: string; method: string },
  { named = false } = {},
): boolean {
  if (named) return site.service === record.service && site.method === record.method;
  return (
    (site.service === null || site.service === record.service) &&
    (site.method === null || site.method === record.method)
  );
}

export type RuleId =
  | "removed-method-called"
  | "new-method-called"
  | "new-parameter-passed"
  | "new-required-parameter"
  | "parameter-made-required"
  | "required-parameter-removed"
  | "optional-parameter-removed-while-passed"
  | "parameter-narrowed"
  | "output-field-removed"
  | "output-type-changed"
  | "output-became-nullable"
  | "local-mode-changed"
  | "resolver-changed"
  | "retry-semantics-changed"
  | "missing-mapping-behaviour-changed"
  | "refinement-changed";

export interface Violation {
  readonly rule: RuleId;
  readonly service: string;
  readonly method: string;
  readonly message: string;
  /** The staged way to make this change safely. */
  readonly fix: string;
  readonly callSites?: readonly CallSite[];
}

/** Changes the gate allows, reported so a person sees what the change does. */
export interface AllowedChange {
  readonly service: string;
  readonly method: string;
  readonly change: string;
}

export interface CompatReport {
  readonly violations: readonly Violation[];
  readonly allowed: readonly AllowedChange[];
}

type Doc = { paths?: Record<string, { post?: Record<string, unknown> }> };

/** Every method of an OpenAPI document made by `openApiDocument`, by `service.method`. */
export function methodsOf(document: unknown): Map<string, MethodRecord> {
  const methods = new Map<string, MethodRecord>();
  for (const item of Object.values((document as Doc).paths ?? {})) {
    const op = item.post;
    if (op === undefined) continue;
    const service = String(op["x-rpc-service"]);
    const method = String(op["x-rpc-method"]);
    const body = op.requestBody as {
      content: Record<string, { schema: { properties: { args: JsonSchema } } }>;
    };
    const ok = (
      op.responses as Record<
        string,
        { content: Record<string, { schema: { properties: { value: JsonSchema } } }> }
      >
    )["200"];
    methods.set(`${service}.${method}`, {
      service,
      method,
      kind: String(op["x-rpc-kind"]),
      localMode: String(op["x-silo-local-mode"]),
      resolver: op["x-rpc-resolver"] ?? null,
      idempotent: op["x-rpc-idempotent"] === true,
      returnNullIfMappingNotFound: op["x-rpc-return-null-if-mapping-not-found"] === true,
      input: body.content["application/json"]?.schema.properties.args ?? {},
      output: ok?.content["application/json"]?.schema.properties.value ?? {},
    });
  }
  return methods;
}

/** A resolver as recorded, with a kind from before the rename under its current name. */
function currentResolver(resolver: unknown): unknown {
  if (typeof resolver !== "object" || resolver === null || !("kind" in resolver)) return resolver;
  const kind = String(resolver.kind);
  return Object.hasOwn(FORMER_RESOLVER_KINDS, kind)
    ? { ...resolver, kind: FORMER_RESOLVER_KINDS[kind] }
    : resolver;
}

const properties = (schema: JsonSchema) => (schema.properties ?? {}) as Record<string, JsonSchema>;
const required = (schema: JsonSchema) => new Set((schema.required ?? []) as string[]);

/**
 * An input or output schema as an object with its properties: Zod writes a named schema
 * (`.meta({ id })`) as a `$ref` into the schema's own `$defs`, the input itself included.
 */
const ownShape = (schema: JsonSchema) => resolveRef(schema, schema) ?? schema;

/**
 * Compares the deployed contracts (`base`) with the changed ones (`head`), knowing the call sites
 * of the changed code and, when given, of the deployed code: while a deploy rolls out, callers of
 * both versions run, so a method (or parameter) may go only when neither calls it (passes it).
 */
export function checkCompatibility(
  base: unknown,
  head: unknown,
  callSites: readonly CallSite[],
  deployedCallSites: readonly CallSite[] = [],
): CompatReport {
  const before = methodsOf(base);
  const after = methodsOf(head);
  const violations: Violation[] = [];
  const allowed: AllowedChange[] = [];
  const callersOf = (
    record: { service: string; method: string },
    { deployed = true, named = false } = {},
  ) =>
    [...callSites, ...(deployed ? deployedCallSites : [])].filter((site) =>
      mayCall(site, record, { named }),
    );
  const add = (
    record: { service: string; method: string },
    rule: RuleId,
    message: string,
    fix: string,
    sites?: CallSite[],
  ) =>
    violations.push({
      rule,
      service: record.service,
      method: record.method,
      message,
      fix,
      ...(sites && sites.length > 0 ? { callSites: sites } : {}),
    });

  for (const [key, old] of before) {
    if (after.has(key)) continue;
    const sites = callersOf(old);
    if (sites.length > 0) {
      add(
        old,
        "removed-method-called",
        `${key} is removed but still called (${sites.length} call site(s)).`,
        "Remove every call and deploy that first; remove the method in a later change.",
        sites,
      );
    } else
      allowed.push({ service: old.service, method: old.method, change: "removed (no callers)" });
  }

  for (const [key, now] of after) {
    const old = before.get(key);
    const sites = callersOf(now);
    if (old === undefined) {
      // Only the changed code can call a new method, and only a call that names it counts: a
      // use the finder cannot follow is not, or no method could be added to a service used so.
      const newCallers = callersOf(now, { deployed: false, named: true });
      if (newCallers.length > 0) {
        add(
          now,
          "new-method-called",
          `${key} is new and already called: callers may be deployed before the silos that serve it.`,
          "Ship the method alone and deploy it to every silo; call it in a later change.",
          newCallers,
        );
      } else
        allowed.push({
          service: now.service,
          method: now.method,
          change: "added (no callers yet)",
        });
      continue;
    }

    if (old.localMode !== now.localMode) {
      add(
        now,
        "local-mode-changed",
        `${key}: the service moved from ${old.localMode} to ${now.localMode} silos.`,
        "Add a new service in the new silo, move the callers to it, then remove the old one.",
      );
    }
    if (
      JSON.stringify(old.resolver) !== JSON.stringify(now.resolver) &&
      JSON.stringify(currentResolver(old.resolver)) === JSON.stringify(now.resolver)
    ) {
      allowed.push({
        service: now.service,
        method: now.method,
        change: `resolver ${JSON.stringify(old.resolver)} renamed ${JSON.stringify(now.resolver)} (the same resolver, so the same routing)`,
      });
    } else if (JSON.stringify(old.resolver) !== JSON.stringify(now.resolver)) {
      add(
        now,
        "resolver-changed",
        `${key}: resolver ${JSON.stringify(old.resolver)} became ${JSON.stringify(now.resolver)}: old callers would route it elsewhere.`,
        "Add a new method with the new resolver, move the callers to it, then remove the old one.",
      );
    }

    if (old.idempotent && !now.idempotent) {
      add(
        now,
        "retry-semantics-changed",
        `${key}: it was ${old.kind === "query" ? "a query" : "idempotent"} and is not any more; callers deployed before still retry it after a refused connection or a 503, so it may run twice.`,
        "Keep it safe to repeat, or add a new mutation, move callers to it, then remove the old method.",
      );
    }
    if (old.returnNullIfMappingNotFound !== now.returnNullIfMappingNotFound) {
      add(
        now,
        "missing-mapping-behaviour-changed",
        `${key}: for an organization without a mapping, callers deployed before expect ${old.returnNullIfMappingNotFound ? "null" : "a NOT_FOUND error"}, and would now get ${now.returnNullIfMappingNotFound ? "null" : "a NOT_FOUND error"}.`,
        "Add a new method with the new behaviour, move callers to it, then remove the old one.",
      );
    }
    const oldInput = ownShape(old.input);
    const newInput = ownShape(now.input);
    const oldParams = properties(oldInput);
    const newParams = properties(newInput);
    const oldRequired = required(oldInput);
    const newRequired = required(newInput);
    for (const name of newRequired) {
      if (!(name in oldParams)) {
        add(
          now,
          "new-required-parameter",
          `${key}: new parameter "${name}" is required; callers deployed before it do not send it.`,
          `Add "${name}" as optional (with a default) and deploy; pass it at every call site and deploy; then make it required.`,
        );
      } else if (!oldRequired.has(name)) {
        const missing = sites.filter(
          (site) => site.passes === "unknown" || !site.passes.includes(name),
        );
        if (missing.length > 0) {
          add(
            now,
            "parameter-made-required",
            `${key}: parameter "${name}" became required but ${missing.length} call site(s) may not pass it.`,
            `Pass "${name}" at every call site and deploy that first; then make it required.`,
            missing,
          );
        } else
          allowed.push({
            service: now.service,
            method: now.method,
            change: `parameter "${name}" made required (every caller passes it)`,
          });
      }
    }
    for (const name of Object.keys(oldParams)) {
      if (name in newParams) continue;
      if (oldRequired.has(name)) {
        add(
          now,
          "required-parameter-removed",
          `${key}: required parameter "${name}" is removed; callers deployed before it still send it, and older silos still require it.`,
          `Make "${name}" optional and deploy; stop passing it and deploy; then remove it.`,
        );
      } else {
        const passing = sites.filter(
          (site) =>
            site.passes === "unknown" ||
            site.passes.includes(name) ||
            site.mayPass?.includes(name) === true,
        );
        if (passing.length > 0) {
          add(
            now,
            "optional-parameter-removed-while-passed",
            `${key}: parameter "${name}" is removed but ${passing.length} call site(s) still pass it.`,
            `Stop passing "${name}" at every call site and deploy; then remove it.`,
            passing,
          );
        } else
          allowed.push({
            service: now.service,
            method: now.method,
            change: `optional parameter "${name}" removed (no caller passes it)`,
          });
      }
    }
    // Code on the whole input (`z.object(...).refine(...)`) is no parameter's.
    const refinedInput = effectsChanged(newInput, oldInput, "args");
    for (const [name, schema] of Object.entries(newParams)) {
      const was = oldParams[name];
      if (was === undefined) {
        if (newRequired.has(name)) continue;
        // Only this change's own call sites can pass it (the deployed code cannot name it), and
        // only those that surely or possibly do: an argument the checker cannot read is not
        // counted here, or no method called that way could ever gain a parameter.
        const passing = callersOf(now, { deployed: false }).filter(
          (site) =>
            site.passes !== "unknown" &&
            (site.passes.includes(name) || site.mayPass?.includes(name) === true),
        );
        if (passing.length > 0) {
          add(
            now,
            "new-parameter-passed",
            `${key}: new parameter "${name}" is already passed (${passing.length} call site(s)): silos deployed before it drop it and answer as if it were not passed.`,
            `Ship "${name}" alone and deploy it to every silo; pass it in a later change.`,
            passing,
          );
        } else
          allowed.push({
            service: now.service,
            method: now.method,
            change: `optional parameter "${name}" added`,
          });
        continue;
      }
      // A parameter's `$ref`s point into the whole input's `$defs`, not into its own.
      const all = acceptsAll(schema, was, name, { wideRoot: now.input, narrowRoot: old.input });
      refinedInput.push(...all.filter(isEffectsReason));
      const reasons = all.filter((reason) => !isEffectsReason(reason));
      if (reasons.length > 0) {
        add(
          now,
          "parameter-narrowed",
          `${key}: parameter "${name}" accepts less than before; refused now: ${reasons.join("; ")}.`,
          `Keep "${name}" accepting what it did; add a new parameter (or method) for the new shape and move callers to it.`,
        );
      }
    }

    const compared = acceptsAll(old.output, now.output, "", { ignoreAdditionalProperties: true });
    const refinedOutput = compared.filter(isEffectsReason);
    const outputReasons = compared.filter((reason) => !isEffectsReason(reason));
    const nullable = outputReasons.filter((r) => / may be null$/.test(r));
    const removed = outputReasons.filter((r) => / may be absent$/.test(r));
    const changed = outputReasons.filter((r) => !nullable.includes(r) && !removed.includes(r));
    if (nullable.length > 0) {
      add(
        now,
        "output-became-nullable",
        `${key}: the value can now be null where callers expect a value (${nullable.join("; ")}).`,
        "Keep the output non-null; add a new method (or an optional field) for the nullable case and move callers to it.",
      );
    }
    if (removed.length > 0) {
      add(
        now,
        "output-field-removed",
        `${key}: output fields callers may read can be missing (${removed.join("; ")}).`,
        "Stop reading the field everywhere and deploy; make it optional; remove it in a later change.",
      );
    }
    if (changed.length > 0) {
      add(
        now,
        "output-type-changed",
        `${key}: the value changed in ways callers do not expect (${changed.join("; ")}).`,
        "Add a new field (or method) with the new type, move callers to it, then remove the old one.",
      );
    }
    if (refinedInput.length > 0 || refinedOutput.length > 0) {
      add(
        now,
        "refinement-changed",
        `${key}: code the gate cannot compare (a refinement or transform) was added or changed. ` +
          [
            refinedInput.length > 0
              ? `Parameters: ${refinedInput.join("; ")}; it may refuse values callers deployed before send.`
              : "",
            refinedOutput.length > 0
              ? `Value: ${refinedOutput.join("; ")}; callers deployed before check the value with it, and may refuse what is returned now.`
              : "",
          ]
            .filter(Boolean)
            .join(" "),
        `Review the code: if it accepts every value the other version did, record the change with \`npm run rpc:compat -- --update --accept refinement-changed:${key}\`; if not, add a new parameter (or method) with the check and move callers to it.`,
      );
    }
    const oldFields = properties(ownShape(old.output));
    const newFields = Object.keys(properties(ownShape(now.output))).filter(
      (name) => !(name in oldFields),
    );
    for (const field of newFields)
      allowed.push({
        service: now.service,
        method: now.method,
        change: `output field "${field}" added`,
      });
  }
  return { violations, allowed };
}
