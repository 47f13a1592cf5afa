// One typed client for every deployment shape: a tRPC client whose link routes each call.
import { createTRPCClient, type TRPCClient, TRPCClientError, type TRPCLink } from "@trpc/client";
import { type AnyRouter, createTRPCRecursiveProxy, TRPCError } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { AnyServiceContract } from "./contract.ts";
import type { CallOptions, SiloRuntime } from "./runtime.ts";
import type { RouterOf } from "./service.ts";

/** What a caller may pass per call in tRPC's `context`: `{ context: { region: "eu" } }`. */
export interface SiloCallContext {
  [key: string]: unknown;
  /** Run a REGION method in this region rather than where its resolver points. */
  region?: string;
  /**
   * A mutation's idempotency key (1 to 128 characters of `[A-Za-z0-9_.:-]`): pass the same one
   * when retrying a call whose outcome is unknown (TIMEOUT, a dropped connection) to get the
   * first call's result instead of running it twice. Without one, each call gets its own.
   * Queries ignore it.
   */
  idempotencyKey?: string;
}

const NO_OPTIONS: Pick<CallOptions, "region" | "idempotencyKey"> = {};

/** The per-call options a caller's tRPC context carries. */
function contextOptions(context: SiloCallContext | undefined) {
  if (context === undefined) return NO_OPTIONS;
  const region = context.region;
  const key = context.idempotencyKey;
  return {
    ...(typeof region === "string" ? { region } : {}),
    // Any value but undefined is the caller's key: the runtime refuses one of the wrong form.
    ...(key !== undefined ? { idempotencyKey: key } : {}),
  };
}

/** The tRPC link that routes every call: in process, or signed HTTP to the silo that owns it. */
export function siloLink<Router extends AnyRouter>(runtime: SiloRuntime): TRPCLink<Router> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        const controller = new AbortController();
        const abort = () => controller.abort();
        op.signal?.addEventListener("abort", abort);
        const options: CallOptions = {
          signal: controller.signal,
          ...contextOptions(op.context as SiloCallContext),
        };
        runtime.call(op.path, op.input, options).then(
          (data) => {
            observer.next({ result: { type: "data", data } });
            observer.complete();
          },
          (error: unknown) => observer.error(TRPCClientError.from(error as Error)),
        );
        return () => {
          op.signal?.removeEventListener("abort", abort);
          controller.abort();
        };
      });
}

export type SiloClient<C extends readonly AnyServiceContract[]> = TRPCClient<RouterOf<C>>;

/**
 * The typed client of these services for this process. The same calls work in MONOLITH,
 * CONTROL and REGION processes. Errors reach the caller as the TRPCError the implementation
 * threw (same code and message), wherever it ran.
 *
 * It has the exact type and behaviour of `createTRPCClient` with `siloLink` (see
 * `createSiloTRPCClient`), but calls the runtime directly: tRPC's client machinery (operation
 * chain, observable, error wrapping) costs about 25 µs per call on this project's machine, twice
 * the cost of running a small procedure in process.
 */
export function createSiloClient<const C extends readonly AnyServiceContract[]>(
  runtime: SiloRuntime,
  _contracts?: C,
): SiloClient<C> {
  return createTRPCRecursiveProxy(({ path, args }) => {
    const verb = path.at(-1);
    if (path.length !== 3 || (verb !== "query" && verb !== "mutate")) {
      throw new TypeError(
        `Call a method as client.<service>.<method>.query() or .mutate(), not ${path.join(".")}.`,
      );
    }
    const [input, options] = args as [
      unknown,
      { signal?: AbortSignal; context?: SiloCallContext }?,
    ];
    return runtime.call(`${path[0]}.${path[1]}`, input, {
      ...(options?.signal ? { signal: options.signal } : {}),
      ...contextOptions(options?.context),
    });
  }) as SiloClient<C>;
}

/**
 * The same client built the standard way, `createTRPCClient` with `siloLink`, for code that
 * composes tRPC links (logging, React Query). Errors arrive as TRPCClientError whose `cause` is
 * the TRPCError.
 */
export function createSiloTRPCClient<const C extends readonly AnyServiceContract[]>(
  runtime: SiloRuntime,
  _contracts?: C,
): SiloClient<C> {
  return createTRPCClient<RouterOf<C>>({ links: [siloLink(runtime)] });
}

export type RegionResult<T> =
  | { readonly region: string; readonly ok: true; readonly value: T }
  | { readonly region: string; readonly ok: false; readonly error: TRPCError };

/**
 * Calls a REGION method in every configured region (or the ones listed) at once and returns
 * each region's result or error, in region order: no region is silently dropped.
 *
 *   await fanOut(runtime, (context) => client.organization.listAll.query({}, { context }))
 */
export async function fanOut<T>(
  runtime: SiloRuntime,
  call: (context: SiloCallContext, region: string) => Promise<T>,
  regions: readonly string[] = runtime.regionNames,
): Promise<RegionResult<T>[]> {
  const settled = await Promise.allSettled(regions.map((region) => call({ region }, region)));
  return settled.map((result, i) => {
    const region = regions[i] as string;
    if (result.status === "fulfilled") return { region, ok: true, value: result.value };
    const error =
      result.reason instanceof TRPCError
        ? result.reason
        : new TRPCError({
            code: "INTERNAL_SERVER_ERROR",
            message: String(result.reason),
            cause: result.reason,
          });
    return { region, ok: false, error };
  });
}
