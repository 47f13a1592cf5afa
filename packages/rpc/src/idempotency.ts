// Idempotency keys of mutations (docs/wire-protocol.md §4.1): a call retried with the key of an
// earlier one gets that call's result instead of running the method again.
import { createHash, randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";

/** What a key may be: 1 to 128 characters of `[A-Za-z0-9_.:-]` (a UUID, `order-42:create`). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** How long a completed call's result is kept for retries, by default (RPC_IDEMPOTENCY_TTL_S). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How long a running call holds its key beyond the longest budget a receiver gives a method
 * (RPC_MAX_BUDGET_MS): after that, a key whose process died is free for a retry to run it again.
 */
export const IDEMPOTENCY_LEASE_MARGIN_MS = 60_000;

/** A new key for one logical call. */
export const newIdempotencyKey = (): string => randomUUID();

/** The key of a mutation, checked: BAD_REQUEST naming it when it has not the form above. */
export function checkIdempotencyKey(path: string, key: unknown): string {
  if (typeof key === "string" && IDEMPOTENCY_KEY_PATTERN.test(key)) return key;
  const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 140)) : typeof key;
  throw new TRPCError({
    code: "BAD_REQUEST",
    message: `Invalid idempotency key for ${path}: ${shown} is not 1 to 128 characters of [A-Za-z0-9_.:-].`,
  });
}

/**
 * The JSON text of a value with every object's properties in order: two `args` that are the
 * same JSON value (whatever their property order or spacing) give the same text.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** What identifies a call's arguments under its key: SHA-256 (hex) of their canonical JSON. */
export const requestHash = (args: unknown): string =>
  createHash("sha256").update(canonicalJson(args)).digest("hex");

export interface IdempotencyRequest {
  readonly key: string;
  /** `service.method`. */
  readonly path: string;
  readonly requestHash: string;
}

export type IdempotencyBegin =
  /** The key is this call's now: run the method, then `complete` or `abandon` with the token. */
  | { readonly status: "new"; readonly token: string }
  /** A call with this key and these arguments completed: its result, as stored (JSON). */
  | { readonly status: "replay"; readonly response: unknown }
  /** A call with this key and these arguments is still running (or died within its lease). */
  | { readonly status: "in-progress" }
  /** The key was used for another method or other arguments (that method's path). */
  | { readonly status: "mismatch"; readonly path: string };

/**
 * Remembers the keys of the mutations a silo ran. Implementations are atomic per key: of any
 * number of concurrent `begin`s of one key, at most one gets "new". A key is forgotten when it
 * expires: a completed call's result after `ttlMs`, a running call's hold after `leaseMs` (its
 * process died, or it outlived the lease: a retry may then run it again).
 */
export interface IdempotencyStore {
  begin(request: IdempotencyRequest): Promise<IdempotencyBegin>;
  /** Stores the result (a JSON value) of the call that holds `token`; nothing if it lost it. */
  complete(key: string, token: string, response: unknown): Promise<void>;
  /** Forgets the key held by `token` (the call failed): a retry runs the method again. */
  abandon(key: string, token: string): Promise<void>;
}

export interface IdempotencyStoreOptions {
  /** How long a completed call's result answers retries (default 24 h). */
  readonly ttlMs?: number;
  /** How long a running call holds its key (default RPC_MAX_BUDGET_MS's default + 60 s). */
  readonly leaseMs?: number;
  /** The clock, in ms since the epoch (tests pass a fake one). */
  readonly now?: () => number;
}

/** A store's times from a silo's configuration: the lease outlasts the longest budget. */
export const idempotencyTimes = (config: {
  readonly idempotencyTtlSeconds: number;
  readonly maxBudgetMs: number;
}): { ttlMs: number; leaseMs: number } => ({
  ttlMs: config.idempotencyTtlSeconds * 1000,
  leaseMs: config.maxBudgetMs + IDEMPOTENCY_LEASE_MARGIN_MS,
});

/** The lease under the default RPC_MAX_BUDGET_MS (60 s): 120 s. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000 + IDEMPOTENCY_LEASE_MARGIN_MS;

interface MemoryRecord {
  readonly path: string;
  readonly requestHash: string;
  readonly token: string;
  /** The stored result's JSON text, once completed. */
  response: string | undefined;
  expiresAt: number;
}

/**
 * Keys in this process's memory: for tests, and for a process that runs mutations without a
 * database. It does not survive a restart and is not shared by a silo's replicas; silos with a
 * database use the table `idempotency_keys` (`databaseIdempotencyStore` in @acme/services).
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #records = new Map<string, MemoryRecord>();
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  readonly #now: () => number;
  #nextSweep = 0;

  constructor(options: IdempotencyStoreOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.#leaseMs = options.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    // Read per call, so that fake timers installed later apply.
    this.#now = options.now ?? (() => Date.now());
  }

  /** Keys remembered (expired ones until the next sweep). */
  get size(): number {
    return this.#records.size;
  }

  async begin({ key, path, requestHash }: IdempotencyRequest): Promise<IdempotencyBegin> {
    const now = this.#now();
    this.#sweep(now);
    const found = this.#records.get(key);
    if (found !== undefined && found.expiresAt > now) {
      if (found.path !== path || found.requestHash !== requestHash) {
        return { status: "mismatch", path: found.path };
      }
      return found.response === undefined
        ? { status: "in-progress" }
        : { status: "replay", response: JSON.parse(found.response) };
    }
    const token = randomUUID();
    this.#records.set(key, {
      path,
      requestHash,
      token,
      response: undefined,
      expiresAt: now + this.#leaseMs,
    });
    return { status: "new", token };
  }

  async complete(key: string, token: string, response: unknown): Promise<void> {
    const found = this.#records.get(key);
    if (found?.token !== token) return;
    found.response = JSON.stringify(response ?? null);
    found.expiresAt = this.#now() + this.#ttlMs;
  }

  async abandon(key: string, token: string): Promise<void> {
    if (this.#records.get(key)?.token === token) this.#records.delete(key);
  }

  /** Drops expired keys, at most once a minute. */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + 60_000;
    for (const [key, record] of this.#records) {
      if (record.expiresAt <= now) this.#records.delete(key);
    }
  }
}

export interface IdempotentCall {
  readonly key: string;
  readonly path: string;
  /** The call's `args` as received (hashed as canonical JSON). */
  readonly args: unknown;
}

/**
 * Runs a mutation under its idempotency key: the first call with a key runs it and stores its
 * result; a later call with the same key and arguments gets that result (through `replayed`,
 * which checks it against the output schema) without running it. A call whose method fails
 * releases the key, so a retry runs the method again.
 *
 * The result is stored after the method returns, so after its own transaction committed: a
 * process that dies between the two leaves the key held until its lease ends, and a retry then
 * runs the method a second time. Closing that gap needs the method to write the key inside its
 * own transaction.
 */
export async function runIdempotently<T>(
  store: IdempotencyStore,
  call: IdempotentCall,
  run: () => Promise<T>,
  replayed: (stored: unknown) => T,
): Promise<T> {
  const { key, path } = call;
  const begun = await store.begin({ key, path, requestHash: requestHash(call.args) });
  if (begun.status === "replay") return replayed(begun.response);
  if (begun.status === "in-progress") {
    throw new TRPCError({
      code: "CONFLICT",
      message: `${path} with idempotency key "${key}" is still running: retry once it has finished.`,
    });
  }
  if (begun.status === "mismatch") {
    throw new TRPCError({
      code: "UNPROCESSABLE_CONTENT",
      message:
        begun.path === path
          ? `Idempotency key "${key}" was used for a call of ${path} with other arguments.`
          : `Idempotency key "${key}" was used for a call of ${begun.path}, not ${path}.`,
    });
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    // The method's error is what the caller must see; a key that could not be released is
    // free again when its lease ends.
    await store.abandon(key, begun.token).catch(() => undefined);
    throw error;
  }
  // The method succeeded: its caller gets the result even if it cannot be stored (a retry would
  // then find the key held until its lease ends).
  const response: unknown = JSON.parse(JSON.stringify(result ?? null));
  await store.complete(key, begun.token, response).catch(() => undefined);
  return result;
}
