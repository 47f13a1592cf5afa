// Accepted nonces in Redis, shared by every replica of a silo: one SET NX PX per request.
import {
  ClientOfflineError,
  createClient,
  type RedisClientType,
  TimeoutError,
  TimeoutReadError,
} from "@redis/client";
import {
  describeRedisUrl,
  type ReplayClaim,
  type ReplayStoreCheck,
  type ReplayStoreEvents,
  type SharedReplayStore,
} from "./replay-store.ts";

export interface RedisReplayStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). */
  readonly url: string;
  /** Prepended to each nonce: `rpc:replay:region:eu:` keeps one silo's nonces apart. */
  readonly prefix: string;
  /** The longest a command may take, sent or not, before the store counts as unreachable. */
  readonly timeoutMs: number;
  readonly events?: ReplayStoreEvents;
  /** The longest pause between reconnection attempts (default 1000 ms). */
  readonly reconnectMaxDelayMs?: number;
}

type State = "connecting" | "up" | "down";

/**
 * A nonce is the key `{prefix}{nonce}`, set with NX (only if absent) and PX (its remaining replay
 * window): the reply says whether this request is the first. Commands are never queued while
 * the connection is down (they fail at once) and never wait longer than `timeoutMs`, sent or
 * not: a request is refused quickly rather than accepted unchecked or left hanging.
 */
export class RedisReplayStore implements SharedReplayStore {
  readonly description: string;
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #events: ReplayStoreEvents;
  #state: State = "connecting";
  // Why the connection last failed: the reason a command failing as "offline" gives.
  #connectionError = "not connected yet";

  /** Connects, waiting at most about one connect timeout; a store still down is reported. */
  static async open(options: RedisReplayStoreOptions): Promise<RedisReplayStore> {
    const store = new RedisReplayStore(options);
    await store.#connect();
    return store;
  }

  private constructor(options: RedisReplayStoreOptions) {
    this.description = describeRedisUrl(options.url);
    this.#prefix = options.prefix;
    this.#timeoutMs = options.timeoutMs;
    this.#events = options.events ?? {};
    const maxDelay = options.reconnectMaxDelayMs ?? 1000;
    this.#client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      // rejectInFlight: a command already sent also gives up at the timeout (a server that hangs).
      commandOptions: { timeout: options.timeoutMs, rejectInFlight: true },
      socket: {
        connectTimeout: Math.max(1000, options.timeoutMs),
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelay),
      },
    });
    this.#client.on("error", (error: Error) => {
      this.#connectionError = error.message;
      this.#down(error.message);
    });
    this.#client.on("ready", () => this.#up());
  }

  claim(nonce: string, now: number, expires: number): Promise<ReplayClaim> {
    return this.#client
      .set(`${this.#prefix}${nonce}`, "1", {
        condition: "NX",
        expiration: { type: "PX", value: Math.max(1, Math.ceil(expires - now)) },
      })
      .then(this.#claimed, this.#failed);
  }

  async check(): Promise<ReplayStoreCheck> {
    const started = performance.now();
    try {
      await this.#client.ping();
      if (this.#state !== "up") this.#up();
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      const reason = this.#reasonOf(error);
      this.#down(reason);
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: reason };
    }
  }

  async close(): Promise<void> {
    if (!this.#client.isOpen) return;
    if (this.#client.isReady) await this.#client.close();
    else this.#client.destroy();
  }

  readonly #claimed = (reply: string | null): ReplayClaim => {
    if (this.#state !== "up") this.#up();
    return reply === null ? "replay" : "new";
  };

  readonly #failed = (error: unknown): ReplayClaim => {
    const reason = this.#reasonOf(error);
    this.#down(reason);
    return { unavailable: reason };
  };

  #reasonOf(error: unknown): string {
    if (error instanceof TimeoutError || error instanceof TimeoutReadError)
      return `no answer within ${this.#timeoutMs} ms (RPC_REPLAY_TIMEOUT_MS)`;
    if (error instanceof ClientOfflineError) return this.#connectionError;
    return error instanceof Error ? error.message : String(error);
  }

  #up(): void {
    this.#state = "up";
    this.#events.onUp?.();
  }

  #down(reason: string): void {
    if (this.#state === "down") return;
    this.#state = "down";
    this.#events.onDown?.(reason);
  }

  #connect(): Promise<void> {
    return new Promise((resolve) => {
      const settle = () => {
        clearTimeout(timer);
        this.#client.off("ready", settle);
        this.#client.off("error", settle);
        resolve();
      };
      const timer = setTimeout(settle, Math.max(1000, this.#timeoutMs) + 100);
      this.#client.once("ready", settle);
      this.#client.once("error", settle);
      // Retries for ever (reconnectStrategy); only close() ends it, which rejects: nothing to do.
      this.#client.connect().catch(() => {});
    });
  }
}
