// The replay store that every replica of a silo shares (docs/wire-protocol.md §6.3), opened from
// the configuration. The in-memory store of one process stays in NonceStore.
import type { ReplayConfig } from "./config.ts";

/** What a shared store did with a nonce: recorded it, found it recorded, or could not answer. */
export type ReplayClaim = "new" | "replay" | { readonly unavailable: string };

/** A shared store's answer to a health check (GET /healthz). */
export interface ReplayStoreCheck {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Told once per change: the store stopped answering (with why), or answers again. */
export interface ReplayStoreEvents {
  readonly onDown?: (reason: string) => void;
  readonly onUp?: () => void;
}

/** A store of accepted nonces outside the process, shared by every replica of one silo. */
export interface SharedReplayStore {
  /** Where it is, without credentials (`redis://127.0.0.1:6379/0`): in errors, logs, /healthz. */
  readonly description: string;
  /**
   * Records `nonce` until `expires` (ms since the epoch, by this process's clock at `now`) unless
   * it is recorded already, in one round trip. Never rejects: a store it cannot reach in time
   * answers `{ unavailable }`, and the request is not accepted on its word.
   */
  claim(nonce: string, now: number, expires: number): Promise<ReplayClaim>;
  /** One bounded round trip, for /healthz. */
  check(): Promise<ReplayStoreCheck>;
  close(): Promise<void>;
}

/** `redis://host:port/db` without user or password: safe to show in errors and logs. */
export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? parsed.pathname : "";
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || "6379"}${db}`;
}

/**
 * The shared store the configuration names, connected (or still trying: a store down at start
 * is reported through `events` and the silo starts anyway, refusing signed requests until it is
 * back); undefined for `memory`. The Redis client is loaded only when one is configured.
 */
export async function openReplayStore(
  config: ReplayConfig,
  events: ReplayStoreEvents = {},
): Promise<SharedReplayStore | undefined> {
  if (config.store === "memory") return undefined;
  const { RedisReplayStore } = await import("./redis-replay-store.ts");
  return RedisReplayStore.open({
    url: config.url,
    prefix: config.prefix,
    timeoutMs: config.timeoutMs,
    events,
  });
}
