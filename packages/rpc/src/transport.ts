// The caller's side of the wire: a signed POST, with timeout, retries and error mapping.
import { TRPCError } from "@trpc/server";
import { type Deadline, remainingMs, sleep, watchDeadline } from "./deadline.ts";
import { signRequest } from "./signing.ts";
import { errorFromBody, isErrorBody } from "./wire.ts";

export interface RemoteCall {
  readonly fetch: typeof fetch;
  readonly url: string;
  /** Who answers, for error messages: `control` or `region "eu"`. */
  readonly silo: string;
  readonly path: string;
  readonly input: unknown;
  /** A mutation's idempotency key, sent as `meta.idempotencyKey` with every attempt. */
  readonly idempotencyKey?: string | undefined;
  readonly secret: string;
  /**
   * The call's one budget: every attempt and every pause ends by `deadline.at`, and its signal
   * (the caller's) cancels them. Each attempt sends what is left of it as X-Rpc-Budget-Ms.
   */
  readonly deadline: Deadline;
  /** The budget the call started with, in ms, for the timeout's message. */
  readonly budgetMs: number;
  /**
   * Pauses before each retry; empty: never retried. Only methods safe to repeat have them; they
   * are retried when the call surely did not run, or when it may have run but never answered.
   */
  readonly retryDelaysMs: readonly number[];
  /** Added to the request (tracing); they cannot replace the protocol's own headers. */
  readonly headers?: Record<string, string> | undefined;
}

export async function remoteCall(call: RemoteCall): Promise<unknown> {
  // Built once: every attempt sends the same bytes, so the same key.
  const meta = call.idempotencyKey === undefined ? {} : { idempotencyKey: call.idempotencyKey };
  const body = Buffer.from(JSON.stringify({ args: call.input, meta }));
  const pathname = new URL(call.url).pathname;
  const where = `${call.path} on the ${call.silo} silo (${call.url})`;
  // One timer and one listener for the whole call, not one per attempt.
  const watch = watchDeadline(call.deadline);
  const ended = () =>
    watch.expired()
      ? new TRPCError({ code: "TIMEOUT", message: `${where} timed out after ${call.budgetMs} ms.` })
      : new TRPCError({
          code: "CLIENT_CLOSED_REQUEST",
          message: `${where} was cancelled by the caller.`,
        });
  /** Whether the pause before retry `attempt + 1` fits in the budget (then it is taken). */
  const retryFits = (attempt: number) => {
    const delay = call.retryDelaysMs[attempt];
    return delay !== undefined && delay < remainingMs(call.deadline);
  };
  const pause = async (attempt: number) => {
    try {
      await sleep(call.retryDelaysMs[attempt] ?? 0, watch.signal);
    } catch {
      throw ended();
    }
  };
  try {
    for (let attempt = 0; ; attempt++) {
      const budgetMs = Math.ceil(remainingMs(call.deadline));
      if (watch.signal.aborted || budgetMs <= 0) throw ended();
      let response: Response;
      try {
        response = await call.fetch(call.url, {
          method: "POST",
          headers: {
            ...call.headers,
            "content-type": "application/json",
            ...signRequest(call.secret, pathname, body, { budgetMs }),
          },
          body,
          signal: watch.signal,
        });
      } catch (error) {
        if (watch.signal.aborted) throw ended();
        const reason = networkReason(error);
        // Refused: nothing ran. Lost (the replica died mid-call): it may have run, and a method
        // safe to repeat runs again.
        if ((reason.refused || reason.lost) && retryFits(attempt)) {
          await pause(attempt);
          continue;
        }
        throw reason.lost
          ? new TRPCError({
              code: "BAD_GATEWAY",
              message: `Lost the connection to ${where} before its answer (${reason.text}): it may have run.`,
              cause: error,
            })
          : new TRPCError({
              code: "SERVICE_UNAVAILABLE",
              message: `Could not reach ${where}: ${reason.text}.`,
              cause: error,
            });
      }
      // 503: refused before it ran (overloaded, shutting down, no replica up). 502: a proxy lost
      // its connection to the replica (killed mid-call): it may have run, so only calls that are
      // safe to repeat (queries, idempotent mutations: those with retry pauses) try again.
      if ((response.status === 502 || response.status === 503) && retryFits(attempt)) {
        await response.body?.cancel();
        await pause(attempt);
        continue;
      }
      let payload: unknown;
      try {
        payload = await response.json();
      } catch (error) {
        if (watch.signal.aborted) throw ended();
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
  } finally {
    watch.dispose();
  }
}

/** Socket errors of a connection that was open: the request may have been sent and run. */
const LOST = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

function networkReason(error: unknown): { refused: boolean; lost: boolean; text: string } {
  // undici reports the socket error as the cause of a generic "fetch failed".
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code;
  return {
    refused: code === "ECONNREFUSED",
    lost: code !== undefined && LOST.has(code),
    text: code === "ECONNREFUSED" ? "connection refused" : (cause?.message ?? String(error)),
  };
}
