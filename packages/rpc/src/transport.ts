// The caller's side of the wire: a signed POST, with timeout, retries and error mapping.
import { TRPCError } from "@trpc/server";
import { signRequest } from "./signing.ts";
import { errorFromBody, isErrorBody } from "./wire.ts";

export interface RemoteCall {
  readonly fetch: typeof fetch;
  readonly url: string;
  /** Who answers, for error messages: `control` or `region "eu"`. */
  readonly silo: string;
  readonly path: string;
  readonly input: unknown;
  readonly secret: string;
  readonly timeoutMs: number;
  /** Pauses before each retry; empty: never retried. Retried only when it surely did not run. */
  readonly retryDelaysMs: readonly number[];
  readonly signal: AbortSignal | undefined;
  /** Added to the request (tracing); they cannot replace the protocol's own headers. */
  readonly headers?: Record<string, string> | undefined;
}

export async function remoteCall(call: RemoteCall): Promise<unknown> {
  const body = Buffer.from(JSON.stringify({ args: call.input, meta: {} }));
  const pathname = new URL(call.url).pathname;
  const where = `${call.path} on the ${call.silo} silo (${call.url})`;
  for (let attempt = 0; ; attempt++) {
    const canRetry = attempt < call.retryDelaysMs.length;
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await call.fetch(call.url, {
        method: "POST",
        headers: {
          ...call.headers,
          "content-type": "application/json",
          ...signRequest(call.secret, pathname, body),
        },
        body,
        signal,
      });
    } catch (error) {
      if (call.signal?.aborted) {
        throw new TRPCError({
          code: "CLIENT_CLOSED_REQUEST",
          message: `${where} was cancelled by the caller.`,
        });
      }
      if (timeout.aborted) {
        throw new TRPCError({
          code: "TIMEOUT",
          message: `${where} timed out after ${call.timeoutMs} ms.`,
        });
      }
      const reason = networkReason(error);
      if (reason.refused && canRetry) {
        await pause(call.retryDelaysMs[attempt] ?? 0, call.signal);
        continue;
      }
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: `Could not reach ${where}: ${reason.text}.`,
        cause: error,
      });
    }
    if (response.status === 503 && canRetry) {
      await response.body?.cancel();
      await pause(call.retryDelaysMs[attempt] ?? 0, call.signal);
      continue;
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch (error) {
      if (timeout.aborted) {
        throw new TRPCError({
          code: "TIMEOUT",
          message: `${where} timed out after ${call.timeoutMs} ms.`,
        });
      }
      throw new TRPCError({
        code: "BAD_GATEWAY",
        message: `${where} answered HTTP ${response.status} with a body that is not JSON.`,
        cause: error,
      });
    }
    if (response.ok && typeof payload === "object" && payload !== null && "value" in payload) {
      return (payload as { value: unknown }).value;
    }
    if (isErrorBody(payload)) throw errorFromBody(payload);
    throw new TRPCError({
      code: "BAD_GATEWAY",
      message: `${where} answered HTTP ${response.status} without an RPC envelope.`,
    });
  }
}

function networkReason(error: unknown): { refused: boolean; text: string } {
  // undici reports the socket error as the cause of a generic "fetch failed".
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code;
  return {
    refused: code === "ECONNREFUSED",
    text: code === "ECONNREFUSED" ? "connection refused" : (cause?.message ?? String(error)),
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new TRPCError({
          code: "CLIENT_CLOSED_REQUEST",
          message: "The call was cancelled by the caller.",
        }),
      );
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(
        new TRPCError({
          code: "CLIENT_CLOSED_REQUEST",
          message: "The call was cancelled by the caller.",
        }),
      );
    });
  });
}
