// The outbox services for operators, on this process's own outbox tables and drains.
import { type OutboxDirection, type OutboxDrain, outboxBacklog, outboxShards } from "@acme/outbox";
import { TRPCError } from "@acme/rpc";
import { implement, iso, type ServiceContext } from "../context.ts";
import { controlOutboxService, type OutboxBacklog, regionOutboxService } from "./admin-contract.ts";

const DEFAULT_SHARDS = 20;

const WHO_DRAINS: Record<OutboxDirection, string> = {
  REGION_TO_CONTROL: "a region's outbox (REGION_TO_CONTROL): only region silos and a MONOLITH do",
  CONTROL_TO_REGION:
    "control's outbox (CONTROL_TO_REGION): only the control silo and a MONOLITH do",
};

/** This process's drain of `direction`; a process without it has no such outbox to show. */
function drainOf(ctx: ServiceContext, direction: OutboxDirection): OutboxDrain {
  const drain = ctx.outbox.drains.find((candidate) => candidate.direction === direction);
  if (drain === undefined) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `This process does not drain ${WHO_DRAINS[direction]}.`,
    });
  }
  return drain;
}

/**
 * A region's messages carry no region: a process that is not one region's silo (a MONOLITH)
 * keeps every region's in its one region outbox.
 */
const everyRegion = (ctx: ServiceContext, direction: OutboxDirection) =>
  direction === "REGION_TO_CONTROL" && ctx.regionName === undefined;

async function backlog(
  ctx: ServiceContext,
  direction: OutboxDirection,
  shardLimit = DEFAULT_SHARDS,
): Promise<OutboxBacklog> {
  drainOf(ctx, direction);
  const [categories, page] = await Promise.all([
    outboxBacklog(ctx.db, direction),
    outboxShards(ctx.db, direction, shardLimit),
  ]);
  // "" is a region outbox's region in the backlog's rows: none.
  const region = (name: string) => (name === "" ? null : name);
  return {
    everyRegion: everyRegion(ctx, direction),
    categories: categories.map((row) => ({
      category: row.category,
      regionName: region(row.regionName),
      waiting: row.waiting,
      shards: row.shards,
      oldestCreatedAt: iso(row.oldestCreatedAt),
      oldestAgeSeconds: row.oldestAgeSeconds,
      failing: row.failing,
      lastError:
        row.lastError === null
          ? null
          : {
              message: row.lastError.message,
              shard: { scope: row.lastError.shard.scope, id: row.lastError.shard.id },
              attempts: row.lastError.attempts,
              retryAt: iso(row.lastError.retryAt),
            },
    })),
    shards: page.shards.map(({ shard, waiting, head }) => ({
      regionName: region(shard.regionName),
      shard: { scope: shard.scope, id: shard.id },
      waiting,
      head: {
        messageId: head.id,
        category: head.category,
        object: head.object,
        attempts: head.attempts,
        createdAt: iso(head.createdAt),
        scheduledFor: iso(head.scheduledFor),
        due: head.due,
        lastError: head.lastError,
      },
    })),
    shardsWaiting: page.total,
  };
}

async function deliverNow(ctx: ServiceContext, direction: OutboxDirection) {
  const delivered = await drainOf(ctx, direction).deliverNow();
  return { delivered, everyRegion: everyRegion(ctx, direction) };
}

export const controlOutboxImpl = implement(controlOutboxService, {
  backlog: ({ input, ctx }) => backlog(ctx, "CONTROL_TO_REGION", input.shardLimit),
  deliverNow: ({ ctx }) => deliverNow(ctx, "CONTROL_TO_REGION"),
});

export const regionOutboxImpl = implement(regionOutboxService, {
  backlog: ({ input, ctx }) => backlog(ctx, "REGION_TO_CONTROL", input.shardLimit),
  deliverNow: ({ ctx }) => deliverNow(ctx, "REGION_TO_CONTROL"),
});
