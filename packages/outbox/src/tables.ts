// The outbox tables, by direction: one fixed map, so no table name in SQL comes from a caller.
// The drain (drain.ts) and the backlog queries (backlog.ts) read the same rows.
import type { OutboxDirection } from "./category.ts";

export interface OutboxTable {
  readonly name: string;
  /** The SQL of a row's region: a column in control's outbox, '' in a region's. */
  readonly region: string;
  /** The columns a shard is (PostgreSQL refuses a constant in DISTINCT ON, ORDER BY, PARTITION BY). */
  readonly shardColumns: string;
}

export const OUTBOX_TABLES: Record<OutboxDirection, OutboxTable> = {
  REGION_TO_CONTROL: {
    name: "region_outbox",
    region: "''::text",
    shardColumns: "shard_scope, shard_id",
  },
  CONTROL_TO_REGION: {
    name: "control_outbox",
    region: "region_name",
    shardColumns: "region_name, shard_scope, shard_id",
  },
};
