// The receiving side of the wire, independent of any HTTP library: method, path, headers and
// raw body in; status, headers and body out. Thin adapters connect it to node:http and to Fetch.
import { TRPCError } from "@trpc/server";
import { type Deadline, runWithDeadline, watchDeadline } from "./deadline.ts";
import type { SiloRuntime } from "./runtime.ts";
import { SignatureVerifier } from "./signing.ts";
import { errorBody, httpStatusOf, invalidInput, parseRpcPath } from "./wire.ts";

export interface EndpointRequest {
  readonly method: string;
  /** The path as received, without the query. */
  readonly path: string;
  /** A request header by lowercase name. */
  readonly header: (name: string) => string | undefined;
  readonly body: Uint8Array;
  /** Aborted when the client goes away before the answer (adapters set it): the method stops. */
  readonly signal?: AbortSignal | undefined;
}

export interface EndpointResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type RpcEndpoint = ((request: EndpointRequest) => Promise<EndpointResponse>) & {
  /** The largest body accepted; adapters stop reading beyond it and answer 413. */
  readonly maxBodyBytes: number;
};

const JSON_HEADERS = { "content-type": "application/json" };

function reply(
  status: number,
  payload: unknown,
  extra: Record<string, string> = {},
): EndpointResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(payload) };
}

function fail(
  code: TRPCError["code"],
  message: string,
  extra?: Record<string, string>,
): EndpointResponse {
  const error = new TRPCError({ code, message });
  return reply(httpStatusOf(error), errorBody(error), extra);
}

export function payloadTooLarge(maxBodyBytes: number): EndpointResponse {
  return fail("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBodyBytes} bytes.`);
}

/** Serves `POST /api/0/internal/rpc/{service}/{method}/` for the services local to this silo. */
export function createRpcEndpoint(
  runtime: SiloRuntime,
  { onError }: { onError?: (error: TRPCError, path: string) => void } = {},
): RpcEndpoint {
  const { config, registry } = runtime;
  const verifier = new SignatureVerifier({
    secrets: config.secrets,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    acceptRpc0: config.acceptRpc0,
    maxNonces: config.maxNonces,
  });

  const endpoint = async (request: EndpointRequest): Promise<EndpointResponse> => {
    const target = parseRpcPath(request.path);
    if (target === null) return fail("NOT_FOUND", `No RPC endpoint at ${request.path}.`);
    if (request.method !== "POST") {
      return fail("METHOD_NOT_SUPPORTED", "RPC calls are POST requests.", { allow: "POST" });
    }
    const contentType = request.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return fail("UNSUPPORTED_MEDIA_TYPE", "RPC requests are application/json.");
    }
    if (request.body.byteLength > config.maxBodyBytes) return payloadTooLarge(config.maxBodyBytes);
    if (config.secrets.length === 0) {
      return fail(
        "UNAUTHORIZED",
        "This silo has no RPC_SHARED_SECRET, so it accepts no RPC requests.",
      );
    }
    const verified = verifier.verify(request);
    if (!verified.ok) {
      // Refused before anything ran, so a caller may retry it after the pause.
      if ("busy" in verified) {
        return fail(
          "SERVICE_UNAVAILABLE",
          `Too many requests in the replay window: ${verified.reason}.`,
          {
            "retry-after": String(verified.retryAfterSeconds),
          },
        );
      }
      return fail("UNAUTHORIZED", `Invalid RPC signature: ${verified.reason}.`);
    }

    const { service, method } = target;
    const path = `${service}.${method}`;
    const contract = registry.contract(service);
    if (contract === undefined || registry.method(service, method) === undefined) {
      return fail("NOT_FOUND", `No RPC method ${path}.`);
    }
    if (!runtime.isLocal(contract)) {
      return fail(
        "NOT_FOUND",
        `${path} is served by ${contract.localMode} silos; this is a ${config.mode} silo.`,
      );
    }
    if (config.disabledMethods.has(path)) {
      return fail(
        "SERVICE_UNAVAILABLE",
        `${path} is disabled in this silo (RPC_DISABLED_METHODS).`,
      );
    }

    let envelope: unknown;
    try {
      envelope = JSON.parse(Buffer.from(request.body).toString("utf8"));
    } catch {
      return fail("BAD_REQUEST", "The request body is not valid JSON.");
    }
    const args = (envelope as { args?: unknown } | null)?.args;
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      const error = invalidInput(path, [
        { path: ["args"], message: "must be an object of named parameters" },
      ]);
      return reply(400, errorBody(error));
    }

    const budgetMs =
      verified.budgetMs === undefined ? undefined : Math.min(verified.budgetMs, config.maxBudgetMs);
    try {
      const value =
        budgetMs === undefined && request.signal === undefined
          ? await runtime.callLocal(service, method, args)
          : await runWithin(
              {
                at: budgetMs === undefined ? Infinity : Date.now() + budgetMs,
                signal: request.signal,
              },
              (signal) => runtime.callLocal(service, method, args, signal),
              () =>
                new TRPCError({
                  code: "TIMEOUT",
                  message: `${path} did not finish within its budget of ${budgetMs} ms.`,
                }),
            );
      return reply(200, { value: value ?? null, meta: {} });
    } catch (caught) {
      const error =
        caught instanceof TRPCError
          ? caught
          : new TRPCError({
              code: "INTERNAL_SERVER_ERROR",
              message: "Internal server error.",
              cause: caught,
            });
      onError?.(error, path);
      return reply(httpStatusOf(error), errorBody(error));
    }
  };
  return Object.assign(endpoint, { maxBodyBytes: config.maxBodyBytes });
}

/**
 * Runs a method under a deadline: its signal aborts at the deadline or when the client leaves,
 * the RPC calls it makes share the rest of the budget (ALS), and the answer comes at the
 * deadline even if the method ignores its signal (its late result or error is dropped).
 */
async function runWithin<T>(
  deadline: Deadline,
  run: (signal: AbortSignal) => Promise<T>,
  timedOut: () => TRPCError,
): Promise<T> {
  const watch = watchDeadline(deadline);
  try {
    const running = runWithDeadline({ at: deadline.at, signal: watch.signal }, () =>
      run(watch.signal),
    );
    running.catch(() => {});
    const stopped = new Promise<never>((_, reject) => {
      const stop = () =>
        reject(
          watch.expired()
            ? timedOut()
            : new TRPCError({ code: "CLIENT_CLOSED_REQUEST", message: "The client went away." }),
        );
      if (watch.signal.aborted) stop();
      else watch.signal.addEventListener("abort", stop, { once: true });
    });
    stopped.catch(() => {});
    return await Promise.race([running, stopped]);
  } finally {
    watch.dispose();
  }
}
