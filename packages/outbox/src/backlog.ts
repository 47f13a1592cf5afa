// What an outbox holds: per category and region, how much waits, since when, and what fails (a
// silo's /healthz and /metrics, the admin's Outboxes page); and its waiting shards, each with the
// message at its head. Read-only, one query per question, no lease taken.
import type { Db } from "@acme/db";
import type { OutboxDirection } from "./category.ts";
import type { ShardRef } from "./drain.ts";
import { OUTBOX_TABLES } from "./tables.ts";

/** The last error kept on one of a group's failing messages. */
export interface BacklogError {
  readonly message: string;
  readonly shard: ShardRef;
  /** Failed deliveries of that message so far. */
  readonly attempts: number;
  /** When the drain tries that message again. */
  readonly retryAt: Date;
}

/** The waiting messages of one category (and one region, in control's outbox). */
export interface BacklogRow {
  readonly category: string;
  /** Control's outbox: the region the messages are for; "" in a region's outbox. */
  readonly regionName: string;
  /** Messages waiting (coalescing may deliver several as one). */
  readonly waiting: number;
  /** Shards with waiting messages. */
  readonly shards: number;
  readonly oldestCreatedAt: Date;
  /** Age of the oldest waiting message, by the database's clock (which wrote `created_at`). */
  readonly oldestAgeSeconds: number;
  /** Waiting messages whose delivery failed at least once (each blocks its shard). */
  readonly failing: number;
  /**
   * The error of the failing message retried latest. The outbox keeps no failure time, so this is
   * the latest failure give or take the drain's longest pause (maxDelayMs, 10 s by default).
   */
  readonly lastError: BacklogError | null;
}

/** One shard with waiting messages, and the message at its head (the next one delivered). */
export interface ShardBacklog {
  readonly shard: ShardRef;
  /** Messages waiting in the shard. */
  readonly waiting: number;
  /** The shard's oldest message: until it is delivered, the shard's later messages wait. */
  readonly head: {
    /** Its id in the outbox (a bigint, as digits). */
    readonly id: string;
    readonly category: string;
    readonly object: string;
    /** Failed deliveries so far. */
    readonly attempts: number;
    readonly createdAt: Date;
    /** When the drain may try it (again). */
    readonly scheduledFor: Date;
    /** Whether `scheduledFor` has come, by the database's clock. */
    readonly due: boolean;
    readonly lastError: string | null;
  };
}

/** The first waiting shards of an outbox, and how many shards wait in all. */
export interface ShardPage {
  readonly shards: ShardBacklog[];
  readonly total: number;
}

interface Raw {
  category: string;
  regionName: string;
  // count(*) is a bigint: Prisma returns it as one.
  waiting: bigint | number;
  shards: bigint | number;
  oldestCreatedAt: Date;
  oldestAgeSeconds: number;
  failing: bigint | number;
  errorMessage: string | null;
  errorScope: string | null;
  errorShardId: string | null;
  errorAttempts: number | null;
  errorRetryAt: Date | null;
}

/** Each category's backlog in the outbox of `direction`, by region, then category. */
export async function outboxBacklog(db: Db, direction: OutboxDirection): Promise<BacklogRow[]> {
  const t = OUTBOX_TABLES[direction];
  // Of the failing messages, the one retried latest: the first of each array ordered that way.
  const latest = (column: string) =>
    `(array_agg(${column} ORDER BY scheduled_for DESC, id DESC)
        FILTER (WHERE last_error IS NOT NULL))[1]`;
  const rows = await db.$queryRawUnsafe<Raw[]>(
    `SELECT category, ${t.region} AS "regionName",
            count(*) AS waiting,
            count(DISTINCT (shard_scope, shard_id)) AS shards,
            min(created_at) AS "oldestCreatedAt",
            extract(epoch FROM now() - min(created_at))::float8 AS "oldestAgeSeconds",
            count(*) FILTER (WHERE attempts > 0) AS failing,
            ${latest("last_error")} AS "errorMessage",
            ${latest("shard_scope")} AS "errorScope",
            ${latest("shard_id")} AS "errorShardId",
            ${latest("attempts")} AS "errorAttempts",
            ${latest("scheduled_for")} AS "errorRetryAt"
       FROM ${t.name} GROUP BY 1, 2 ORDER BY 2, 1`,
  );
  return rows.map((row) => ({
    category: row.category,
    regionName: row.regionName,
    waiting: Number(row.waiting),
    shards: Number(row.shards),
    oldestCreatedAt: row.oldestCreatedAt,
    oldestAgeSeconds: Math.max(0, row.oldestAgeSeconds),
    failing: Number(row.failing),
    lastError:
      row.errorMessage === null
        ? null
        : {
            message: row.errorMessage,
            shard: {
              regionName: row.regionName,
              scope: row.errorScope ?? "",
              id: row.errorShardId ?? "",
            },
            attempts: Number(row.errorAttempts ?? 0),
            retryAt: row.errorRetryAt ?? new Date(0),
          },
  }));
}

interface RawShard {
  regionName: string;
  scope: string;
  shardId: string;
  waiting: bigint | number;
  messageId: string;
  category: string;
  objectId: string;
  attempts: number;
  createdAt: Date;
  scheduledFor: Date;
  due: boolean;
  lastError: string | null;
  total: bigint | number;
}

/**
 * The first `limit` shards with waiting messages in the outbox of `direction`, in the order the
 * drain's sweep takes them (oldest head first), each with its head message; and how many shards
 * wait in all.
 */
export async function outboxShards(
  db: Db,
  direction: OutboxDirection,
  limit = 20,
): Promise<ShardPage> {
  const t = OUTBOX_TABLES[direction];
  // The window functions run before DISTINCT ON (each head knows its shard's count) and before
  // LIMIT (every head knows how many shards there are).
  const rows = await db.$queryRawUnsafe<RawShard[]>(
    `SELECT "regionName", scope, "shardId", waiting, "messageId", category, "objectId", attempts,
            "createdAt", "scheduledFor", due, "lastError", count(*) OVER () AS total
       FROM (SELECT DISTINCT ON (${t.shardColumns})
                    ${t.region} AS "regionName", shard_scope AS scope, shard_id AS "shardId",
                    count(*) OVER (PARTITION BY ${t.shardColumns}) AS waiting,
                    ${t.name}.id AS head, ${t.name}.id::text AS "messageId", category,
                    object_id AS "objectId", attempts, created_at AS "createdAt",
                    scheduled_for AS "scheduledFor", scheduled_for <= now() AS due,
                    last_error AS "lastError"
               FROM ${t.name} ORDER BY ${t.shardColumns}, ${t.name}.id) heads
      ORDER BY head LIMIT $1`,
    limit,
  );
  return {
    shards: rows.map((row) => ({
      shard: { regionName: row.regionName, scope: row.scope, id: row.shardId },
      waiting: Number(row.waiting),
      head: {
        id: row.messageId,
        category: row.category,
        object: row.objectId,
        attempts: row.attempts,
        createdAt: row.createdAt,
        scheduledFor: row.scheduledFor,
        due: row.due,
        lastError: row.lastError,
      },
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}
