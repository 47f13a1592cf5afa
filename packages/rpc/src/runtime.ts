// Routing and calling: decides per call where a method runs, and runs it there.
import { callTRPCProcedure, TRPCError } from "@trpc/server";
import type { SiloConfig } from "./config.ts";
import type { AnyMethodContract, AnyServiceContract } from "./contract.ts";
import {
  currentDeadline,
  type Deadline,
  eitherSignal,
  type SignalSource,
  signalOf,
  startDeadline,
} from "./deadline.ts";
import {
  checkIdempotencyKey,
  type IdempotencyStore,
  newIdempotencyKey,
  runIdempotently,
} from "./idempotency.ts";
import { parseInput } from "./input.ts";
import type { ServiceRegistry } from "./registry.ts";
import type { MappingSource } from "./resolvers.ts";
import { remoteCall } from "./transport.ts";
import { InputValidationError, invalidInput, toIssues } from "./wire.ts";

/** Where one call ran. */
export type Route =
  | { readonly kind: "local"; readonly region?: string }
  | {
      readonly kind: "remote";
      readonly silo: string;
      readonly url: string;
      readonly region?: string;
    }
  /** No organization mapping and the method returns null for that: no call was made. */
  | { readonly kind: "none"; readonly region?: undefined };

export interface CallEvent {
  readonly path: string;
  readonly route: Route;
  readonly durationMs: number;
  /** "OK", or the error's tRPC code. */
  readonly outcome: string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Run a REGION method in this region instead of the one its resolver names (fan-out). */
  readonly region?: string;
  /**
   * A mutation's idempotency key, chosen by the caller so that a retry after an unknown outcome
   * (TIMEOUT, a dropped connection) gets the first call's result. Without one, a mutation that
   * goes over the wire gets a new key per call. Queries ignore it.
   */
  readonly idempotencyKey?: string;
}

export interface SiloRuntimeOptions<Ctx extends object> {
  readonly config: SiloConfig;
  readonly registry: ServiceRegistry;
  /** Organization mappings for the resolvers: a MappingCache in front of the real source. */
  readonly mappings: MappingSource;
  /** The context handed to local implementations, per call. */
  readonly createContext: () => Ctx | Promise<Ctx>;
  readonly fetch?: typeof fetch;
  /** Observes every call made through this runtime (metrics, logs, the admin app). */
  readonly onCall?: (event: CallEvent) => void;
  /**
   * Extra headers for each outgoing request, read per call: e.g. the W3C `traceparent` of the
   * request being handled, so one user action can be followed across silos.
   */
  readonly outgoingHeaders?: () => Record<string, string> | undefined;
  /**
   * A client of the silos that runs no service itself (scripts, an admin app next to a
   * multi-silo deployment): every call goes over the wire, CONTROL services to CONTROL_ADDRESS.
   * Its registry may then hold contracts only.
   */
  readonly remoteOnly?: boolean;
  /**
   * Where the mutations this process runs record their idempotency keys (docs/wire-protocol.md
   * §4.1): `databaseIdempotencyStore` in @acme/services, on the silo's database. Without one,
   * keys are checked and sent but not enforced here: a retried mutation runs again.
   */
  readonly idempotency?: IdempotencyStore;
}

/** Attempts for a call that may be retried, and the pause before each retry. */
const RETRY_DELAYS_MS = [50, 200];

export class SiloRuntime<Ctx extends object = object> {
  readonly config: SiloConfig;
  readonly registry: ServiceRegistry;
  readonly #options: SiloRuntimeOptions<Ctx>;
  readonly #regions: ReadonlyMap<string, SiloConfig["regions"][number]>;

  constructor(options: SiloRuntimeOptions<Ctx>) {
    this.#options = options;
    this.config = options.config;
    this.registry = options.registry;
    this.#regions = new Map(options.config.regions.map((region) => [region.name, region]));
  }

  /** The configured region names, in configuration order. */
  get regionNames(): readonly string[] {
    return [...this.#regions.keys()];
  }

  /** Whether this process runs the service's implementation (and serves it over HTTP). */
  isLocal(contract: AnyServiceContract): boolean {
    if (this.#options.remoteOnly === true) return false;
    return this.config.mode === "MONOLITH" || contract.localMode === this.config.mode;
  }

  /** Calls `service.method` wherever it runs and returns its output, or throws a TRPCError. */
  async call(path: string, rawInput: unknown, options: CallOptions = {}): Promise<unknown> {
    const started = performance.now();
    let route: Route = { kind: "local" };
    try {
      const { serviceKey, methodName, method, contract } = this.#lookup(path);
      if (this.config.disabledMethods.has(path)) {
        throw new TRPCError({
          code: "SERVICE_UNAVAILABLE",
          message: `${path} is disabled in this silo (RPC_DISABLED_METHODS).`,
        });
      }
      const parsed = parseInput(path, method.input, rawInput);
      const isMutation = method.kind === "mutation";
      const callerKey =
        isMutation && options.idempotencyKey !== undefined
          ? checkIdempotencyKey(path, options.idempotencyKey)
          : undefined;
      // One budget for everything the call waits on (its routing lookup, every attempt, the
      // pauses), started by the first of them: a call that runs in process starts none.
      const inherited = currentDeadline();
      let budget =
        contract.localMode === "REGION" && options.region === undefined
          ? this.#budget(path, method, options.signal, inherited)
          : undefined;
      route = await this.#route(contract, method, path, parsed, options.region, budget?.deadline);
      let value: unknown;
      if (route.kind === "none") value = null;
      else if (route.kind === "local") {
        // Not bounded by its own timeout (nothing is in flight to abort), but by the budget and
        // the signal of the method it serves, if any: a nested call within the ALS deadline.
        const signal = eitherSignal(options.signal, inherited?.signal);
        // Only a caller's key can ever be presented again: a key made here would never be.
        value = await this.#runLocal(serviceKey, methodName, rawInput, parsed, signal, callerKey);
      } else {
        budget ??= this.#budget(path, method, options.signal, inherited);
        value = await remoteCall({
          fetch: this.#options.fetch ?? fetch,
          url: route.url,
          silo: route.silo,
          path,
          input: rawInput ?? {},
          // One key per logical call, sent with every attempt. A mutation declared idempotent
          // (the outbox inboxes) may simply run again: it gets a key only from its caller, and
          // the silo stores nothing for it.
          idempotencyKey: isMutation
            ? (callerKey ?? (method.idempotent === true ? undefined : newIdempotencyKey()))
            : undefined,
          secret: this.config.secrets[0] ?? "",
          deadline: budget.deadline,
          budgetMs: budget.ms,
          retryDelaysMs:
            method.kind === "query" || method.idempotent === true ? RETRY_DELAYS_MS : [],
          headers: this.#options.outgoingHeaders?.(),
        });
        const output = method.output.safeParse(value);
        if (!output.success) {
          throw new TRPCError({
            code: "INTERNAL_SERVER_ERROR",
            message: `The ${route.silo} silo's response to ${path} does not match the method's output schema.`,
          });
        }
        value = output.data;
      }
      this.#emit(path, route, started, "OK");
      return value;
    } catch (error) {
      const trpcError = error instanceof TRPCError ? error : internalError(error);
      this.#emit(path, route, started, trpcError.code);
      throw trpcError;
    }
  }

  /**
   * Runs a method of a service local to this process: input and output validated by the
   * contract's schemas. Unexpected exceptions become INTERNAL_SERVER_ERROR with a generic message
   * (the original is the error's `cause`, for logs; it never crosses the wire).
   */
  async callLocal(
    serviceKey: string,
    methodName: string,
    rawInput: unknown,
    /** The caller's signal; a LazyAbort is made into one only if the method reads it. */
    signal?: SignalSource,
    /** The request's `meta.idempotencyKey` (null or undefined: none); ignored for queries. */
    idempotencyKey?: unknown,
  ): Promise<unknown> {
    const method = this.registry.method(serviceKey, methodName);
    const path = `${serviceKey}.${methodName}`;
    // Checked before anything runs, whichever way the method is called below.
    const input = method === undefined ? undefined : parseInput(path, method.input, rawInput);
    const key =
      method?.kind === "mutation" && idempotencyKey !== undefined && idempotencyKey !== null
        ? checkIdempotencyKey(path, idempotencyKey)
        : undefined;
    return this.#runLocal(serviceKey, methodName, rawInput, input, signal, key);
  }

  /**
   * Runs a local method whose input `call` or `callLocal` has already checked (once), under its
   * idempotency key if it has one (mutations only) and this process has a store.
   */
  #runLocal(
    serviceKey: string,
    methodName: string,
    rawInput: unknown,
    input: unknown,
    signal: SignalSource | undefined,
    idempotencyKey: string | undefined,
  ): Promise<unknown> {
    const store = this.#options.idempotency;
    if (idempotencyKey === undefined || store === undefined) {
      return this.#execute(serviceKey, methodName, rawInput, input, signal);
    }
    const path = `${serviceKey}.${methodName}`;
    return runIdempotently(
      store,
      { key: idempotencyKey, path, args: rawInput ?? {} },
      () => this.#execute(serviceKey, methodName, rawInput, input, signal),
      (stored) => {
        // What a caller over the wire would get: the stored JSON, checked by the output schema.
        const output = this.registry.method(serviceKey, methodName)?.output.safeParse(stored);
        if (output?.success !== true) {
          throw new TRPCError({
            code: "INTERNAL_SERVER_ERROR",
            message: `The stored result of ${path} for this idempotency key does not match the method's output schema.`,
          });
        }
        return output.data;
      },
    );
  }

  /** Runs a local method: its handler, or its tRPC procedure. */
  async #execute(
    serviceKey: string,
    methodName: string,
    rawInput: unknown,
    input: unknown,
    signal: SignalSource | undefined,
  ): Promise<unknown> {
    try {
      // Loaded and synchronous in the common case: no promise to wait for (each await is a
      // microtask, and with async context tracking on, a promise hook).
      const implementation =
        this.registry.loadedImplementation(serviceKey) ??
        (await this.registry.implementation(serviceKey));
      const method = this.registry.method(serviceKey, methodName);
      const made = this.#options.createContext();
      const ctx = made instanceof Promise ? await made : made;
      const handler = implementation.handlers?.[methodName];
      if (handler !== undefined && method !== undefined) {
        const output = method.output.safeParse(
          await handler(new HandlerArgs(input, ctx, signal) as never),
        );
        if (!output.success) {
          throw new TRPCError({
            code: "INTERNAL_SERVER_ERROR",
            message: "Output validation failed",
            cause: output.error,
          });
        }
        return output.data;
      }
      return await callTRPCProcedure({
        router: implementation.router,
        path: methodName,
        getRawInput: async () => rawInput ?? {},
        ctx,
        type: method?.kind ?? "query",
        signal: signalOf(signal),
        batchIndex: 0,
      });
    } catch (error) {
      if (!(error instanceof TRPCError)) throw internalError(error);
      if (error.cause instanceof InputValidationError) throw error;
      const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
      if (error.code === "BAD_REQUEST" && Array.isArray(issues)) {
        throw invalidInput(`${serviceKey}.${methodName}`, issues);
      }
      if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof TRPCError)) {
        throw internalError(error.cause ?? error);
      }
      throw error;
    }
  }

  #lookup(path: string) {
    const dot = path.indexOf(".");
    const serviceKey = path.slice(0, dot);
    const methodName = path.slice(dot + 1);
    const contract = dot > 0 ? this.registry.contract(serviceKey) : undefined;
    const method = contract ? this.registry.method(serviceKey, methodName) : undefined;
    if (contract === undefined || method === undefined) {
      throw new TRPCError({ code: "NOT_FOUND", message: `No RPC method ${path}.` });
    }
    return { serviceKey, methodName, contract, method };
  }

  async #route(
    contract: AnyServiceContract,
    method: AnyMethodContract,
    path: string,
    input: unknown,
    regionOverride: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<Route> {
    const { mode, regionName } = this.config;
    const remoteOnly = this.#options.remoteOnly === true;
    if (contract.localMode === "CONTROL") {
      if (mode !== "REGION" && !remoteOnly) return { kind: "local" };
      if (this.config.controlAddress === undefined) {
        throw new TRPCError({
          code: "INTERNAL_SERVER_ERROR",
          message: `${path}: CONTROL_ADDRESS is not configured.`,
        });
      }
      return { kind: "remote", silo: "control", url: this.#url(this.config.controlAddress, path) };
    }
    let region = regionOverride;
    if (region === undefined) {
      if (method.resolve === undefined)
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${path} has no resolver.` });
      // The lookup shares the call's budget and signal: a lookup that hangs ends with the call.
      const resolution = await method.resolve.resolve(input as never, {
        mappings: this.#options.mappings,
        deadline,
      });
      if ("mappingNotFound" in resolution) {
        if (method.returnNullIfMappingNotFound === true) return { kind: "none" };
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `No ${resolution.mappingNotFound} (no organization mapping).`,
        });
      }
      region = resolution.region;
    }
    const target = this.#regions.get(region);
    if (target === undefined) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `Unknown region "${region}". Configured regions: ${this.regionNames.join(", ") || "none"}.`,
      });
    }
    if (mode === "MONOLITH" || (mode === "REGION" && region === regionName))
      return { kind: "local", region };
    return {
      kind: "remote",
      silo: `region "${region}"`,
      url: this.#url(target.address, path),
      region,
    };
  }

  /** The call's budget, started now: its own timeout, or less when it runs under a deadline. */
  #budget(
    path: string,
    method: AnyMethodContract,
    signal: AbortSignal | undefined,
    inherited: Deadline | undefined,
  ): { deadline: Deadline; ms: number } {
    const now = Date.now();
    const timeoutMs =
      this.config.methodTimeouts.get(path) ?? method.timeoutMs ?? this.config.timeoutMs;
    const deadline = startDeadline(timeoutMs, signal, inherited, now);
    return { deadline, ms: Math.round(deadline.at - now) };
  }

  #url(address: string | undefined, path: string): string {
    const [serviceKey, methodName] = path.split(".") as [string, string];
    return `${(address ?? "").replace(/\/+$/, "")}/api/0/internal/rpc/${serviceKey}/${methodName}/`;
  }

  #emit(path: string, route: Route, started: number, outcome: string): void {
    this.#options.onCall?.({ path, route, durationMs: performance.now() - started, outcome });
  }
}

function internalError(cause: unknown): TRPCError {
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error.", cause });
}

export { toIssues };

/**
 * What a handler is called with: `{ input, ctx, signal }`, its signal made only when the handler
 * reads it (a getter: destructure it or read `args.signal`; a spread copy of the args has none).
 */
class HandlerArgs {
  readonly input: unknown;
  readonly ctx: unknown;
  readonly #signal: SignalSource | undefined;
  constructor(input: unknown, ctx: unknown, signal: SignalSource | undefined) {
    this.input = input;
    this.ctx = ctx;
    this.#signal = signal;
  }
  get signal(): AbortSignal | undefined {
    return signalOf(this.#signal);
  }
}
