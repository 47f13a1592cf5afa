// The receiving side of the wire, independent of any HTTP library: method, path, headers and
// raw body in; status, headers and body out. Thin adapters connect it to node:http and to Fetch.
import { TRPCError } from "@trpc/server";
import {
  eitherSignal,
  type LazyAbort,
  LazyDeadline,
  runWithDeadline,
  type SignalSource,
} from "./deadline.ts";
import type { SharedReplayStore } from "./replay-store.ts";
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
  /**
   * Instead of `signal`, for adapters that own the request's signal (node:http): made only if
   * the method reads it, and aborted by the endpoint at the request's budget (no second one).
   */
  readonly aborter?: LazyAbort | undefined;
}

export interface EndpointResponse {
  readonly status: number;
  /** A new object for each response: an adapter may add its own (content-length) to it. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type RpcEndpoint = ((request: EndpointRequest) => Promise<EndpointResponse>) & {
  /** The largest body accepted; adapters stop reading beyond it and answer 413. */
  readonly maxBodyBytes: number;
};

const JSON_HEADERS = { "content-type": "application/json" };

function reply(status: number, payload: unknown, extra?: Record<string, string>): EndpointResponse {
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

export interface RpcEndpointOptions {
  readonly onError?: (error: TRPCError, path: string) => void;
  /**
   * The replay store shared by this silo's replicas (openReplayStore), required when the
   * configuration names one (RPC_REPLAY_STORE); without it, nonces are remembered in memory.
   */
  readonly replayStore?: SharedReplayStore | undefined;
}

/** Serves `POST /api/0/internal/rpc/{service}/{method}/` for the services local to this silo. */
export function createRpcEndpoint(
  runtime: SiloRuntime,
  { onError, replayStore }: RpcEndpointOptions = {},
): RpcEndpoint {
  const { config, registry } = runtime;
  if (config.replay.store !== "memory" && replayStore === undefined) {
    // Never fall back to one process's memory silently: replicas would accept each other's replays.
    throw new Error(
      "RPC_REPLAY_STORE names a shared replay store: open it (openReplayStore) and pass it as replayStore.",
    );
  }
  const verifier = new SignatureVerifier({
    secrets: config.secrets,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    acceptRpc0: config.acceptRpc0,
    maxNonces: config.maxNonces,
    shared: replayStore,
    whenSharedUnavailable:
      config.replay.store === "memory" ? undefined : config.replay.whenUnavailable,
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
    let verified = verifier.verify(request);
    // Only a shared replay store answers later: the in-memory path takes no extra turn.
    if (verified instanceof Promise) verified = await verified;
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
      if ("unavailable" in verified) {
        return fail(
          "SERVICE_UNAVAILABLE",
          `Replay protection is unavailable, so this silo refuses signed requests: ${verified.reason}.`,
          { "retry-after": "1" },
        );
      }
      return fail("UNAUTHORIZED", `Invalid RPC signature: ${verified.reason}.`);
    }

    const { service, method } = target;
    const path = `${service}.${method}`;
    const contract = registry.contract(service);
    const methodContract = contract && registry.method(service, method);
    if (contract === undefined || methodContract === undefined) {
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
      // A view of the bytes, not a copy (Buffer.from of a Uint8Array copies it).
      const { body } = request;
      const text = (
        Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      ).toString("utf8");
      envelope = JSON.parse(text);
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

    // A mutation's key (§4.1); a query's is ignored. callLocal checks its form.
    const idempotencyKey =
      methodContract.kind === "mutation"
        ? (envelope as { meta?: { idempotencyKey?: unknown } }).meta?.idempotencyKey
        : undefined;

    const budgetMs =
      verified.budgetMs === undefined ? undefined : Math.min(verified.budgetMs, config.maxBudgetMs);
    try {
      const value =
        budgetMs === undefined
          ? await runtime.callLocal(
              service,
              method,
              args,
              request.aborter ?? request.signal,
              idempotencyKey,
            )
          : await runWithin(
              budgetMs,
              request,
              (signal) => runtime.callLocal(service, method, args, signal, idempotencyKey),
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
 * Runs a method under a budget: its signal aborts at the budget (or when the client leaves), the
 * RPC calls it makes share what is left (ALS), and the answer comes at the budget even if the
 * method ignores its signal (its late result or error is dropped). One timer and one promise per
 * request, and the adapter's own (lazy) signal when it has one: every request with a budget takes
 * this path, and a second AbortController with its listeners and a race cost more than the whole
 * rest of the endpoint (measured: about 50 µs of CPU per request on Node 20).
 */
function runWithin<T>(
  budgetMs: number,
  request: EndpointRequest,
  run: (signal: SignalSource) => Promise<T>,
  timedOut: () => TRPCError,
): Promise<T> {
  let signal: SignalSource;
  let abort: (reason: unknown) => void;
  const { aborter } = request;
  if (aborter !== undefined) {
    signal = aborter;
    abort = (reason) => aborter.abort(reason);
  } else {
    const controller = new AbortController();
    signal = eitherSignal(controller.signal, request.signal) ?? controller.signal;
    abort = (reason) => controller.abort(reason);
  }
  const at = Date.now() + budgetMs;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = timedOut();
      abort(error);
      reject(error);
    }, budgetMs);
    runWithDeadline(new LazyDeadline(at, signal), () => run(signal)).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
