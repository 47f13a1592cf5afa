// What an outbox holds, per category and region: how much waits, since when, and what fails
// (for a silo's /healthz and /metrics). Read-only, one query, no lease taken.
import type { Db } from "@acme/db";
import type { OutboxDirection } from "./category.ts";
import type { ShardRef } from "./drain.ts";

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

interface Table {
  readonly name: string;
  /** The SQL of a row's region: a column in control's outbox, '' in a region's. */
  readonly region: string;
}

// The same tables as the drain's (drain.ts): a fixed map, so no table name comes from a caller.
const TABLES: Record<OutboxDirection, Table> = {
  REGION_TO_CONTROL: { name: "region_outbox", region: "''::text" },
  CONTROL_TO_REGION: { name: "control_outbox", region: "region_name" },
};

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
  const t = TABLES[direction];
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
