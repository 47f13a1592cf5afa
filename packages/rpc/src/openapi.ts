// The OpenAPI 3.1 document of every RPC method: the real wire envelope (docs/wire-protocol.md),
// with each method's parameters and value described by JSON Schema generated from its Zod
// schemas (Zod 4's own `toJSONSchema`, draft 2020-12, the dialect OpenAPI 3.1 uses).
import { z } from "zod";
import type { AnyMethodContract, AnyServiceContract } from "./contract.ts";
import { schemaExample } from "./schema-example.ts";
import { rpcPath } from "./wire.ts";

export type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
}

/** `x-` extensions on every operation: what routing and the compatibility gate need. */
export interface RpcOperationExtensions {
  "x-rpc-service": string;
  "x-rpc-method": string;
  "x-rpc-kind": "query" | "mutation";
  "x-silo-local-mode": "CONTROL" | "REGION";
  "x-rpc-resolver": { kind: string; param?: string; attribute?: string } | null;
  "x-rpc-return-null-if-mapping-not-found": boolean;
  "x-rpc-idempotent": boolean;
}

const ERROR_RESPONSES: Record<string, string> = {
  "400":
    "Malformed JSON, `args` not an object, invalid input (with `issues`), or a mutation's malformed `meta.idempotencyKey`.",
  "401": "Missing, malformed, wrong, expired or replayed signature.",
  "404": "Unknown service or method, or a service this silo does not serve.",
  "405": "Not a POST.",
  "413": "Body larger than the silo's limit (RPC_MAX_BODY_BYTES).",
  "415": "Not application/json.",
  "500": "Unexpected failure in the implementation (generic message, no detail).",
  "503": "Method disabled in this silo (RPC_DISABLED_METHODS).",
};

/** The answers only a mutation can get: its idempotency key's (docs/wire-protocol.md §4.1). */
const MUTATION_ERROR_RESPONSES: Record<string, string> = {
  "409": "A call with this `meta.idempotencyKey` is still running (or the method's own CONFLICT).",
  "422": "This `meta.idempotencyKey` was used for another method or other arguments.",
};

/** A mutation's `meta`: its idempotency key. */
const MUTATION_META = {
  type: "object",
  description: "Send the call's idempotency key (the same on every retry of one call).",
  properties: {
    idempotencyKey: {
      type: "string",
      pattern: "^[A-Za-z0-9_.:-]{1,128}$",
      description:
        "Names one logical call: a retry with the same key and arguments gets the first call's result instead of running it again (docs/wire-protocol.md §4.1).",
    },
  },
};

/**
 * On a schema of the document: the Zod effects that run on the value there, in order, which JSON
 * Schema cannot describe: `refine` (`.refine`, `.superRefine`, `z.custom`), `transform`,
 * `preprocess`, `pipe`. A reader of the document (the compatibility gate) sees that code checks
 * or changes the value, though not what it does.
 */
export const EFFECTS_KEYWORD = "x-rpc-effects";

function effectsOf(schema: z.core.$ZodType, io: "input" | "output"): string[] {
  const def = schema._zod.def;
  const effects: string[] = [];
  if (def.type === "pipe") {
    const { in: from, out: to } = def as z.core.$ZodPipeDef;
    if (from._zod.def.type === "transform") effects.push("preprocess");
    else if (to._zod.def.type !== "transform") effects.push("pipe");
    // As output, the pipe is written as its transform, which is marked on its own (below).
    else if (io === "input") effects.push("transform");
  }
  if (def.type === "transform") effects.push("transform");
  if (def.type === "custom") effects.push("refine");
  for (const check of def.checks ?? [])
    if (check._zod.def.check === "custom") effects.push("refine");
  return effects;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      const effects = effectsOf(zodSchema, io);
      // What Zod wrote here already (a pipe written as its input) keeps its own effects first.
      const before = (jsonSchema[EFFECTS_KEYWORD] ?? []) as string[];
      if (effects.length > 0) jsonSchema[EFFECTS_KEYWORD] = [...before, ...effects];
    },
  }) as JsonSchema;
  return rest;
}

function operation(service: AnyServiceContract, name: string, method: AnyMethodContract) {
  const args = jsonSchema(method.input, "input");
  const extensions: RpcOperationExtensions = {
    "x-rpc-service": service.key,
    "x-rpc-method": name,
    "x-rpc-kind": method.kind,
    "x-silo-local-mode": service.localMode,
    "x-rpc-resolver": method.resolve ? { ...method.resolve.spec } : null,
    "x-rpc-return-null-if-mapping-not-found": method.returnNullIfMappingNotFound === true,
    "x-rpc-idempotent": method.kind === "query" || method.idempotent === true,
  };
  return {
    operationId: `${service.key}.${name}`,
    tags: [service.key],
    summary: `${service.key}.${name} (${method.kind})`,
    ...(method.description ? { description: method.description } : {}),
    ...extensions,
    security: [{ rpcSignature: [], rpcTimestamp: [], rpcNonce: [] }],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["args"],
            properties: {
              args,
              meta:
                method.kind === "mutation"
                  ? MUTATION_META
                  : { type: "object", description: "Reserved; send {}." },
            },
          },
          // The body viewers show in their examples (curl...): a call the method accepts.
          example: { args: schemaExample(args), meta: {} },
        },
      },
    },
    responses: {
      "200": {
        description: "The method's value.",
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["value", "meta"],
              properties: { value: jsonSchema(method.output, "output"), meta: { type: "object" } },
            },
          },
        },
      },
      ...Object.fromEntries(
        Object.keys({
          ...ERROR_RESPONSES,
          ...(method.kind === "mutation" ? MUTATION_ERROR_RESPONSES : {}),
        })
          .sort()
          .map((status) => [status, { $ref: `#/components/responses/Error${status}` }]),
      ),
    },
  };
}

/** The OpenAPI 3.1 document of these services' methods. Deterministic: the same contracts give the same bytes. */
export function openApiDocument(
  contracts: readonly AnyServiceContract[],
  options: OpenApiOptions = {},
) {
  const paths: Record<string, { post: ReturnType<typeof operation> }> = {};
  const services = [...contracts].sort((a, b) => a.key.localeCompare(b.key));
  for (const service of services) {
    for (const name of Object.keys(service.methods).sort()) {
      paths[rpcPath(service.key, name)] = {
        post: operation(service, name, service.methods[name] as AnyMethodContract),
      };
    }
  }
  const errorBody = {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", description: "The tRPC error code, e.g. NOT_FOUND." },
          message: { type: "string" },
          issues: { type: "array", items: { $ref: "#/components/schemas/ValidationIssue" } },
        },
      },
    },
  };
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: options.title ?? "Silo RPC",
      version: options.version ?? "0.0.0",
      description:
        options.description ??
        "Every RPC method between silos. Wire protocol, signatures and errors: docs/wire-protocol.md.",
    },
    tags: services.map((service) => ({
      name: service.key,
      description: `${service.description ?? service.key} Local to ${service.localMode} silos.`,
    })),
    paths,
    components: {
      securitySchemes: {
        rpcSignature: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "`Rpcsignature rpc1:<hex>`: lowercase hex HMAC-SHA256, keyed by the shared secret, of `{timestamp}:{nonce}:{path}:` followed by the raw body.",
        },
        rpcTimestamp: {
          type: "apiKey",
          in: "header",
          name: "X-Rpc-Timestamp",
          description: "Unix seconds.",
        },
        rpcNonce: {
          type: "apiKey",
          in: "header",
          name: "X-Rpc-Nonce",
          description: "16 to 64 of [A-Za-z0-9_-], never reused.",
        },
      },
      schemas: {
        ErrorBody: errorBody,
        ValidationIssue: {
          type: "object",
          required: ["path", "message"],
          properties: { path: { type: "string" }, message: { type: "string" } },
        },
      },
      responses: Object.fromEntries(
        Object.entries({ ...ERROR_RESPONSES, ...MUTATION_ERROR_RESPONSES })
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, description]) => [
            `Error${status}`,
            {
              description,
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } },
              },
            },
          ]),
      ),
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
