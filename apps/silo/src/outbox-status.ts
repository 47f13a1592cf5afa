// What this silo's outboxes hold, for /healthz and /metrics: one backlog query per outbox,
// shared by every request within a second, and never waited on longer than a bound.
import type { Db } from "@acme/db";
import {
  type BacklogRow,
  type OutboxDirection,
  outboxBacklog,
  outboxErrorText,
} from "@acme/outbox";

/** An outbox by the silo that writes it: a region's (region_outbox) or control's. */
export type OutboxName = "region" | "control";

export const outboxName = (direction: OutboxDirection): OutboxName =>
  direction === "REGION_TO_CONTROL" ? "region" : "control";

/** One outbox's backlog, or why it could not be read. */
export type OutboxReading =
  | { readonly outbox: OutboxName; readonly rows: readonly BacklogRow[] }
  | { readonly outbox: OutboxName; readonly error: string };

export interface OutboxStatusOptions {
  /** How long a reading is reused (default 1000 ms): /healthz and scrapes share one query. */
  readonly maxAgeMs?: number;
  /** How long a caller waits for a reading (default 1000 ms, like /healthz's database check). */
  readonly timeoutMs?: number;
}

export class OutboxStatus {
  readonly #db: Db;
  readonly #directions: readonly OutboxDirection[];
  readonly #maxAgeMs: number;
  readonly #timeoutMs: number;
  #reading: Promise<OutboxReading[]> | undefined;
  #startedAt = 0;
  #done = false;

  constructor(db: Db, directions: readonly OutboxDirection[], options: OutboxStatusOptions = {}) {
    this.#db = db;
    this.#directions = directions;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  /**
   * Every outbox's backlog; never rejects. A query still running is joined, not repeated, so a
   * slow database gets one backlog query at a time however often the silo is asked.
   */
  read(): Promise<OutboxReading[]> {
    const now = performance.now();
    if (this.#reading === undefined || (this.#done && now - this.#startedAt >= this.#maxAgeMs)) {
      this.#startedAt = now;
      this.#done = false;
      this.#reading = Promise.all(
        this.#directions.map((direction) =>
          outboxBacklog(this.#db, direction).then(
            (rows): OutboxReading => ({ outbox: outboxName(direction), rows }),
            (error: unknown): OutboxReading => ({
              outbox: outboxName(direction),
              error: outboxErrorText(error),
            }),
          ),
        ),
      ).finally(() => {
        this.#done = true;
      });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<OutboxReading[]>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            this.#directions.map((direction) => ({
              outbox: outboxName(direction),
              error: `timed out after ${this.#timeoutMs} ms`,
            })),
          ),
        this.#timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([this.#reading, timedOut]).finally(() => clearTimeout(timer));
  }
}

/** One outbox in /healthz: its totals, and the latest error of its failing messages. */
export type OutboxHealth =
  | {
      readonly waiting: number;
      readonly oldestAgeSeconds: number;
      readonly failing: number;
      readonly lastError: {
        readonly message: string;
        readonly category: string;
        readonly shard: { readonly scope: string; readonly id: string };
        /** Control's outbox: the region the message is for. */
        readonly region?: string;
        readonly attempts: number;
        readonly retryAt: string;
      } | null;
    }
  | { readonly error: string };

/** /healthz's `outbox` field: each outbox's totals over its categories and regions. */
export function outboxHealth(readings: readonly OutboxReading[]): Record<string, OutboxHealth> {
  const health: Record<string, OutboxHealth> = {};
  for (const reading of readings) {
    if ("error" in reading) {
      health[reading.outbox] = { error: reading.error };
      continue;
    }
    let latest: { row: BacklogRow; error: NonNullable<BacklogRow["lastError"]> } | undefined;
    for (const row of reading.rows) {
      const error = row.lastError;
      if (error !== null && (latest === undefined || error.retryAt > latest.error.retryAt))
        latest = { row, error };
    }
    health[reading.outbox] = {
      waiting: reading.rows.reduce((sum, row) => sum + row.waiting, 0),
      oldestAgeSeconds:
        Math.round(Math.max(0, ...reading.rows.map((row) => row.oldestAgeSeconds)) * 10) / 10,
      failing: reading.rows.reduce((sum, row) => sum + row.failing, 0),
      lastError:
        latest === undefined
          ? null
          : {
              message: latest.error.message,
              category: latest.row.category,
              shard: { scope: latest.error.shard.scope, id: latest.error.shard.id },
              ...(latest.row.regionName === "" ? {} : { region: latest.row.regionName }),
              attempts: latest.error.attempts,
              retryAt: latest.error.retryAt.toISOString(),
            },
    };
  }
  return health;
}
