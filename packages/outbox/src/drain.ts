// The drain: delivers an outbox's messages to the silo they are for, at least once, in order
// within a shard, shards in parallel. Right after the commit that wrote them (`soon`), and by a
// periodic sweep for whatever is left (a failed delivery, a process that died before draining).
import { randomUUID } from "node:crypto";
import type { Db } from "@acme/db";
import type { OutboxDirection, Shard } from "./category.ts";
import { OUTBOX_TABLES, type OutboxTable } from "./tables.ts";

/** A message as its drain reads it from the outbox. */
export interface OutboxMessage {
  /** Which outbox the message is in: a region's (REGION_TO_CONTROL) or control's. */
  readonly direction: OutboxDirection;
  /** The message's id in its outbox (a bigint, as digits). */
  readonly id: string;
  readonly category: string;
  readonly shard: Shard;
  readonly object: string;
  readonly payload: unknown;
  readonly createdAt: Date;
  /** Failed deliveries so far. */
  readonly attempts: number;
  /** CONTROL_TO_REGION messages: the region the message is for ("" for a region's messages). */
  readonly regionName: string;
}

/** Delivers one message to the silo it is for; resolves once that silo has handled it. */
export type Deliver = (message: OutboxMessage) => Promise<void>;

/** A shard of one outbox: for control's outbox, a shard is per region. */
export interface ShardRef extends Shard {
  readonly regionName: string;
}

export interface DrainOptions {
  /**
   * This drainer's name in the lease table (default: a random id). A process that names itself
   * the same after a restart (a silo uses its host and port) takes back its own leases at once
   * instead of waiting for them to run out; no two live processes may share a name.
   */
  readonly owner?: string;
  /**
   * How long a shard stays leased without news from its drainer (default 15 s): longer than one
   * delivery may take (the RPC timeout, 5 s by default), or a second drainer could take the
   * shard while the first still delivers.
   */
  readonly leaseMs?: number;
  /** The pause after a shard's first failed delivery; it doubles with each failure (default 1 s). */
  readonly baseDelayMs?: number;
  /**
   * The longest pause between two attempts (default 10 s): a silo that comes back after an
   * outage gets its messages within this long, and a message that keeps failing costs one
   * attempt per pause.
   */
  readonly maxDelayMs?: number;
  /** Shards the sweep delivers at once (default 4). */
  readonly parallel?: number;
  readonly onDelivered?: (message: OutboxMessage, coalesced: number) => void;
  readonly onFailed?: (message: OutboxMessage, error: unknown, retryInMs: number) => void;
}

interface Row {
  id: string;
  /** The newest waiting message about the head's object, delivered in its place. */
  newestId: string;
  newestPayload: unknown;
  /** How many messages about the head's object are waiting (the head included). */
  waiting: number;
  category: string;
  shardScope: string;
  shardId: string;
  objectId: string;
  payload: unknown;
  createdAt: Date;
  attempts: number;
  regionName: string;
  due: boolean;
}

const leaseKey = (shard: ShardRef) => JSON.stringify([shard.regionName, shard.scope, shard.id]);

/** The drain of one outbox table (a region's, or control's) in one process. */
export class OutboxDrain {
  readonly direction: OutboxDirection;
  readonly #db: Db;
  readonly #deliver: Deliver;
  readonly #table: OutboxTable;
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #parallel: number;
  readonly #options: DrainOptions;
  /** Shards this process is draining now, and whether to look again when it is done. */
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<unknown> | undefined;
  /** Work started by a drain that `settled()` also waits for. */
  readonly #background = new Set<Promise<void>>();
  #stopped = false;

  constructor(db: Db, direction: OutboxDirection, deliver: Deliver, options: DrainOptions = {}) {
    this.direction = direction;
    this.#db = db;
    this.#deliver = deliver;
    this.#table = OUTBOX_TABLES[direction];
    this.#owner = options.owner ?? randomUUID();
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 10_000;
    this.#parallel = options.parallel ?? 4;
    this.#options = options;
  }

  /**
   * Drains these shards now, without waiting (after the commit that wrote to them). A shard this
   * process is draining already is looked at again when that drain ends.
   */
  soon(shards: Iterable<ShardRef>): void {
    for (const shard of shards) void this.#drain(shard);
  }

  /** Resolves when no drain is running in this process (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#running.size > 0 || this.#sweeping !== undefined || this.#background.size > 0) {
      await Promise.all([
        ...[...this.#running.values()].map((run) => run.done),
        this.#sweeping,
        ...this.#background,
      ]);
    }
  }

  /** Sweeps every `intervalMs` until `stop()`; the first sweep runs now. */
  start(intervalMs = 1000): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const tick = () => {
      if (this.#sweeping !== undefined || this.#stopped) return;
      this.#sweeping = this.sweep()
        .catch(() => {
          // The database is unreachable: the next sweep tries again.
        })
        .finally(() => {
          this.#sweeping = undefined;
        });
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    tick();
  }

  /** Stops sweeping and waits for the drains in flight. Messages left wait in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.settled();
  }

  /**
   * Makes every waiting message due now and sweeps (an operator's "deliver now", after the other
   * silo is back): the backoff's wait is skipped, the order and the lease rules are not.
   */
  async deliverNow(): Promise<number> {
    await this.#db.$executeRawUnsafe(
      `UPDATE ${this.#table.name} SET scheduled_for = now() WHERE scheduled_for > now()`,
    );
    return this.sweep();
  }

  /** Drains every shard whose oldest message is due, `parallel` shards at a time. */
  async sweep(limit = 1000): Promise<number> {
    const t = this.#table;
    const due = await this.#db.$queryRawUnsafe<
      Array<{ regionName: string; scope: string; id: string }>
    >(
      `SELECT "regionName", scope, id FROM (
         SELECT DISTINCT ON (${t.shardColumns})
                ${t.region} AS "regionName", shard_scope AS scope, shard_id AS id,
                scheduled_for, ${t.name}.id AS head
           FROM ${t.name} ORDER BY ${t.shardColumns}, ${t.name}.id) heads
       WHERE scheduled_for <= now() ORDER BY head LIMIT $1`,
      limit,
    );
    let next = 0;
    let delivered = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.#parallel, due.length) }, async () => {
        while (next < due.length && !this.#stopped) {
          // Read after the await: the workers add to one total.
          const count = await this.#drain(due[next++] as ShardRef);
          delivered += count;
        }
      }),
    );
    return delivered;
  }

  /** Runs one shard's drain in this process, or marks a running one to look again. */
  async #drain(shard: ShardRef): Promise<number> {
    const key = leaseKey(shard);
    const running = this.#running.get(key);
    if (running !== undefined) {
      running.again = true;
      return 0;
    }
    let delivered = 0;
    const run = { again: true, done: Promise.resolve() };
    run.done = (async () => {
      while (run.again && !this.#stopped) {
        run.again = false;
        try {
          delivered += await this.drainShard(shard);
        } catch {
          // The database failed mid-drain: the sweep picks the shard up again.
          break;
        }
      }
    })().finally(() => this.#running.delete(key));
    this.#running.set(key, run);
    await run.done;
    return delivered;
  }

  /**
   * Delivers one shard's due messages in order, holding its lease; stops at the first failure,
   * which blocks the shard until its next attempt. Returns how many deliveries succeeded (0 when
   * another drainer holds the shard).
   */
  async drainShard(shard: ShardRef): Promise<number> {
    if (!(await this.#claim(shard))) return 0;
    let leasedAt = performance.now();
    const t = this.#table;
    const where = `${t.region} = $1 AND shard_scope = $2 AND shard_id = $3`;
    let delivered = 0;
    try {
      for (;;) {
        // The shard's head and, of the waiting messages about the head's object, the newest:
        // coalescing delivers it in the head's place, and it stands for the older ones.
        const [head] = await this.#db.$queryRawUnsafe<Row[]>(
          `SELECT head.*, newest.id::text AS "newestId", newest.payload AS "newestPayload",
                  newest.waiting::int AS waiting
             FROM (SELECT ${t.name}.id::text AS id, category, shard_scope AS "shardScope",
                          shard_id AS "shardId", object_id AS "objectId", payload,
                          created_at AS "createdAt", attempts, ${t.region} AS "regionName",
                          scheduled_for <= now() AS due
                     FROM ${t.name} WHERE ${where} ORDER BY ${t.name}.id LIMIT 1) head
             CROSS JOIN LATERAL (
               SELECT max(${t.name}.id) AS id, count(*) AS waiting,
                      (array_agg(payload ORDER BY ${t.name}.id DESC))[1] AS payload
                 FROM ${t.name}
                WHERE ${where} AND category = head.category AND object_id = head."objectId") newest`,
          shard.regionName,
          shard.scope,
          shard.id,
        );
        if (head === undefined || !head.due || this.#stopped) break;
        const message: OutboxMessage = {
          direction: this.direction,
          id: head.newestId,
          category: head.category,
          shard: { scope: head.shardScope, id: head.shardId },
          object: head.objectId,
          payload: head.newestPayload,
          createdAt: head.createdAt,
          attempts: head.attempts,
          regionName: head.regionName,
        };
        try {
          await this.#deliver(message);
        } catch (error) {
          const retryInMs = this.#retryDelay(head.attempts);
          await this.#db.$executeRawUnsafe(
            `UPDATE ${t.name} SET attempts = attempts + 1, last_error = $2,
                    scheduled_for = now() + $3 * interval '1 millisecond'
              WHERE ${t.name}.id = $1::bigint`,
            head.id,
            outboxErrorText(error),
            retryInMs,
          );
          this.#options.onFailed?.(message, error, retryInMs);
          break;
        }
        await this.#db.$executeRawUnsafe(
          `DELETE FROM ${t.name} WHERE ${where} AND category = $4 AND object_id = $5
              AND ${t.name}.id <= $6::bigint`,
          shard.regionName,
          shard.scope,
          shard.id,
          head.category,
          head.objectId,
          message.id,
        );
        delivered++;
        this.#options.onDelivered?.(message, head.waiting - 1);
        // A message that had failed went through: its silo is back. The shards backing off
        // from the same silo need not wait out their pauses (up to maxDelayMs each).
        if (head.attempts > 0) this.#track(this.#destinationBack(shard.regionName));
        // Renewed once a third of it has passed: a shard of many quick deliveries does not pay
        // one more statement per message.
        if (performance.now() - leasedAt > this.#leaseMs / 3) {
          await this.#renew(shard);
          leasedAt = performance.now();
        }
      }
    } finally {
      await this.#db
        .$executeRawUnsafe(
          `DELETE FROM outbox_leases WHERE outbox = $1 AND shard = $2 AND owner = $3`,
          t.name,
          leaseKey(shard),
          this.#owner,
        )
        .catch(() => {
          // Unreachable database: the lease expires on its own.
        });
    }
    return delivered;
  }

  #track(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  /**
   * Makes due now every waiting message for the same silo that is backing off after a failure
   * (control for a region's outbox; that region for control's), and sweeps them.
   */
  async #destinationBack(regionName: string): Promise<void> {
    const t = this.#table;
    try {
      const woken = await this.#db.$executeRawUnsafe(
        `UPDATE ${t.name} SET scheduled_for = now()
          WHERE ${t.region} = $1 AND attempts > 0 AND scheduled_for > now()`,
        regionName,
      );
      if (woken > 0 && !this.#stopped) await this.sweep();
    } catch {
      // The database failed: the periodic sweep finds them when they are due.
    }
  }

  /** Exponential, capped, with jitter (half to all of it), so failing shards spread out. */
  #retryDelay(attempts: number): number {
    const full = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(attempts, 30));
    return Math.round(full * (0.5 + Math.random() / 2));
  }

  /**
   * Takes the shard's lease if nobody holds it, its holder's lease ran out, or its holder is this
   * drainer's name (a restarted process): one statement, atomic on PostgreSQL (the conflicting
   * row is locked while the condition is checked) and on PGlite (one connection).
   */
  async #claim(shard: ShardRef): Promise<boolean> {
    const rows = await this.#db.$queryRawUnsafe<unknown[]>(
      `INSERT INTO outbox_leases AS l (outbox, shard, owner, until)
         VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (outbox, shard) DO UPDATE SET owner = excluded.owner, until = excluded.until
         WHERE l.until < now() OR l.owner = excluded.owner
       RETURNING 1`,
      this.#table.name,
      leaseKey(shard),
      this.#owner,
      this.#leaseMs,
    );
    return rows.length === 1;
  }

  async #renew(shard: ShardRef): Promise<void> {
    await this.#db.$executeRawUnsafe(
      `UPDATE outbox_leases SET until = now() + $4 * interval '1 millisecond'
         WHERE outbox = $1 AND shard = $2 AND owner = $3`,
      this.#table.name,
      leaseKey(shard),
      this.#owner,
      this.#leaseMs,
    );
  }
}

/**
 * What a failed delivery keeps as the message's last error (and what a log line should say):
 * the error's code (an RPC or Prisma code) or name, and its message, cut at 2000 characters.
 */
export function outboxErrorText(error: unknown): string {
  const text =
    error instanceof Error
      ? `${(error as { code?: unknown }).code ?? error.name}: ${error.message}`
      : String(error);
  return text.slice(0, 2000);
}
