// The services and methods the admin shows, from the contracts and the OpenAPI document. Pure:
// no database, no network, safe to use at build time.
import fs from "node:fs";
import path from "node:path";
import { demoData } from "@acme/db";
import type { AnyMethodContract, JsonSchema, RpcOperationExtensions } from "@acme/rpc";
import { contracts, rpcSchema } from "@acme/services";

export interface MethodSummary {
  readonly name: string;
  /** `service.method`, as `runtime.call` takes it. */
  readonly path: string;
  readonly kind: AnyMethodContract["kind"];
  readonly resolver: RpcOperationExtensions["x-rpc-resolver"];
  readonly description: string | undefined;
  /** Where the repository's code calls it through the typed client; null when not known. */
  readonly callers: readonly CallSite[] | null;
}

export interface CallSite {
  readonly file: string;
  readonly line: number;
}

/**
 * The call sites `npm run generate` found (scripts/call-sites.ts), or null when it has not run:
 * read once, at build time for the static pages.
 */
let callSites: Readonly<Record<string, readonly CallSite[]>> | null | undefined;
function callersOf(methodPath: string): readonly CallSite[] | null {
  if (callSites === undefined) {
    const file = path.join(process.cwd(), "src/generated/call-sites.json");
    callSites = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null;
  }
  return callSites ? callersIn(callSites, methodPath) : null;
}

/**
 * The call sites that may call a method: its own, and the uses of the client the finder cannot
 * follow, listed under `*` for what they do not name (`organization.*`, `*.*`).
 */
export function callersIn(
  sites: Readonly<Record<string, readonly CallSite[]>>,
  methodPath: string,
): CallSite[] {
  const [service, method] = methodPath.split(".");
  const keys = [methodPath, `${service}.*`, `*.${method}`, "*.*"];
  return keys.flatMap((key) => sites[key] ?? []);
}

export interface ServiceSummary {
  readonly key: string;
  readonly localMode: "CONTROL" | "REGION";
  readonly description: string | undefined;
  readonly methods: readonly MethodSummary[];
}

/** Every service with its methods, in the order the contracts list them. */
export function serviceCatalog(): ServiceSummary[] {
  return contracts.map((service) => ({
    key: service.key,
    localMode: service.localMode,
    description: service.description,
    methods: Object.entries(service.methods as Record<string, AnyMethodContract>).map(
      ([name, method]) => ({
        name,
        path: `${service.key}.${name}`,
        kind: method.kind,
        resolver: method.resolve ? { ...method.resolve.spec } : null,
        description: method.description,
        callers: callersOf(`${service.key}.${name}`),
      }),
    ),
  }));
}

/** A method's contract (its Zod schemas), or undefined for an unknown name. */
export function methodContract(
  serviceKey: string,
  methodName: string,
): AnyMethodContract | undefined {
  const service = contracts.find((candidate) => candidate.key === serviceKey);
  const methods = service?.methods as Record<string, AnyMethodContract> | undefined;
  return methods !== undefined && Object.hasOwn(methods, methodName)
    ? methods[methodName]
    : undefined;
}

export type Operation = ReturnType<typeof rpcSchema>["paths"][string]["post"];

export interface MethodDetails {
  readonly service: ServiceSummary;
  readonly method: MethodSummary;
  readonly operation: Operation;
  /** The wire path: `POST <this>` on the silo that runs the method. */
  readonly wirePath: string;
  /** JSON Schema of `args` (the method's input) and of `value` (its output). */
  readonly input: JsonSchema;
  readonly output: JsonSchema;
}

/** A method's contract and its OpenAPI operation, or undefined for an unknown name. */
export function methodDetails(serviceKey: string, methodName: string): MethodDetails | undefined {
  const service = serviceCatalog().find((candidate) => candidate.key === serviceKey);
  const method = service?.methods.find((candidate) => candidate.name === methodName);
  if (service === undefined || method === undefined) return undefined;
  const document = rpcSchema();
  for (const [wirePath, item] of Object.entries(document.paths)) {
    const operation = item.post;
    if (operation.operationId !== method.path) continue;
    return {
      service,
      method,
      operation,
      wirePath,
      input: operation.requestBody.content["application/json"].schema.properties.args,
      output: operation.responses["200"].content["application/json"].schema.properties.value,
    };
  }
  return undefined;
}

/** Values that make a useful first call against the demo data, by parameter name. */
const DEMO_VALUES: Readonly<Record<string, unknown>> = {
  slug: demoData.organizations[0]?.slug,
  organizationId: demoData.organizations[0]?.id,
  userId: demoData.users[0]?.id, // demo:line
  ownerUserId: demoData.users[0]?.id, // demo:line
  regionName: demoData.organizations[0]?.region,
  integrationId: demoData.integrations[0]?.id, // demo:line
  provider: demoData.integrations[0]?.provider, // demo:line
  externalId: demoData.integrations[0]?.externalId, // demo:line
  email: demoData.users[0]?.email, // demo:line
};

/**
 * An example value for a JSON Schema: objects get their required properties only (demo values
 * for well-known parameter names), other types a placeholder of the right type.
 */
export function exampleFor(schema: JsonSchema, name?: string): unknown {
  if (name !== undefined && DEMO_VALUES[name] !== undefined) {
    const value = DEMO_VALUES[name];
    return schema.type === "array" ? [value] : value;
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const options = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(options)) {
    const first = options.find((option) => option.type !== "null") ?? options[0];
    return first === undefined ? null : exampleFor(first, name);
  }
  switch (schema.type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(
        required.map((key) => [key, exampleFor(properties[key] ?? {}, key)]),
      );
    }
    case "array": {
      const items = schema.items as JsonSchema | undefined;
      const value = items === undefined ? undefined : exampleFor(items, singular(name));
      return value === undefined ? [] : [value];
    }
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    case "string":
      return exampleString(schema);
    default:
      return null;
  }
}

const singular = (name: string | undefined) =>
  name?.endsWith("Ids") ? name.slice(0, -1) : name?.replace(/s$/, "");

function exampleString(schema: JsonSchema): string {
  // The field's own example (Zod's .meta({ examples })) says what a made-up string cannot: a
  // pattern's shape, such as an outbox message id's digits.
  const [own] = Array.isArray(schema.examples) ? schema.examples : [];
  if (typeof own === "string" && schema.pattern !== undefined) return own;
  switch (schema.format) {
    case "uuid":
      return "01940000-0000-7000-8000-000000000000";
    case "email":
      return "someone@example.com";
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "uri":
      return "https://example.com";
    default:
      return "example";
  }
}
