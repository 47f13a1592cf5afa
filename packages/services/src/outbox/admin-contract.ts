// The two outbox services for operators: what waits in a silo's outbox (per category, and per
// shard with its head message), and "deliver now". The admin's Outboxes page calls them.
import {
  byRegionName,
  controlMutation,
  controlQuery,
  defineService,
  regionMutation,
  regionQuery,
} from "@acme/rpc";
import { z } from "zod";
import { isoDateTime, regionName } from "../models.ts";

/** The most shards one `backlog` call lists (and its default: 20). */
export const MAX_SHARDS = 100;

const count = z.int().min(0);
const category = z.string().meta({ examples: ["organization.updated"] });
const shard = z.object({
  scope: z.string().meta({ examples: ["organization"] }),
  id: z.string().meta({ examples: ["0190f5e2-3c4b-7a1d-9e8f-1234567890ab"] }),
});

const CategoryBacklog = z.object({
  category,
  regionName: regionName
    .nullable()
    .describe("Control's outbox: the region the messages are for. Null in a region's outbox."),
  waiting: count.describe("Messages waiting (coalescing may deliver several as one)."),
  shards: count.describe("Shards with waiting messages."),
  oldestCreatedAt: isoDateTime,
  oldestAgeSeconds: z
    .number()
    .min(0)
    .describe("Age of the oldest waiting message, by the database's clock."),
  failing: count.describe("Waiting messages whose delivery failed at least once."),
  lastError: z
    .object({
      message: z.string(),
      shard,
      attempts: count,
      retryAt: isoDateTime,
    })
    .nullable()
    .describe("The error of the failing message retried latest; null when none fails."),
});

const ShardBacklog = z.object({
  regionName: regionName
    .nullable()
    .describe("Control's outbox: the region the shard's messages are for. Null in a region's."),
  shard,
  waiting: count,
  head: z
    .object({
      messageId: z.string(),
      category,
      object: z.string(),
      attempts: count.describe("Failed deliveries so far."),
      createdAt: isoDateTime,
      scheduledFor: isoDateTime.describe("When the drain may try it (again)."),
      due: z.boolean().describe("Whether scheduledFor has come, by the database's clock."),
      lastError: z.string().nullable(),
    })
    .describe("The shard's oldest message: the shard's later messages wait until it is delivered."),
});

const OutboxBacklog = z.object({
  everyRegion: z
    .boolean()
    .describe(
      "True for the region outbox of a MONOLITH: one table holds every region's messages, so the " +
        "backlog (and deliverNow) covers them all, whichever regionName was asked.",
    ),
  categories: z.array(CategoryBacklog).describe("Per category (and region), by region then name."),
  shards: z
    .array(ShardBacklog)
    .describe("The first waiting shards, in the order the drain takes them."),
  shardsWaiting: count.describe("How many shards wait in all."),
});
export type OutboxBacklog = z.output<typeof OutboxBacklog>;

const Delivered = z.object({
  delivered: count.describe("Deliveries this call made (a coalesced delivery counts once)."),
  everyRegion: z.boolean().describe("As in backlog: true when it covered every region's messages."),
});

const shardLimit = z
  .int()
  .min(1)
  .max(MAX_SHARDS)
  .optional()
  .describe(`How many shards to list (default 20, at most ${MAX_SHARDS}).`);

// A sweep delivers shard after shard, each delivery a call with its own timeout: the default
// timeout of one call (5 s) would cut "deliver now" short while it is still delivering.
const DELIVER_NOW_TIMEOUT_MS = 30_000;

export const controlOutboxService = defineService({
  key: "controlOutbox",
  localMode: "CONTROL",
  description:
    "Control's outbox (messages from control to the regions), for operators: what waits, and delivering it now.",
  methods: {
    backlog: controlQuery({
      description:
        "What waits in control's outbox: per category and region, the count, shards, oldest " +
        "message, failures and the last error; and the first waiting shards with their head " +
        "message. Reads only.",
      input: z.object({ shardLimit }),
      output: OutboxBacklog,
    }),
    deliverNow: controlMutation({
      description:
        "Makes every waiting message of control's outbox due now (skipping the backoff's wait) " +
        "and delivers what it can, in order per shard; answers how many were delivered. A " +
        "message whose region is still unreachable stays, with its new error.",
      input: z.object({}),
      output: Delivered,
      idempotent: true,
      timeoutMs: DELIVER_NOW_TIMEOUT_MS,
    }),
  },
});

export const regionOutboxService = defineService({
  key: "regionOutbox",
  localMode: "REGION",
  description:
    "A region's outbox (messages from the region to control), for operators: what waits, and " +
    "delivering it now. A MONOLITH has one region outbox for every region.",
  methods: {
    backlog: regionQuery({
      description:
        "What waits in regionName's outbox: per category, the count, shards, oldest message, " +
        "failures and the last error; and the first waiting shards with their head message. " +
        "Reads only. In a MONOLITH the region outbox is one table for every region (everyRegion).",
      input: z.object({ regionName, shardLimit }),
      output: OutboxBacklog,
      resolve: byRegionName("regionName"),
    }),
    deliverNow: regionMutation({
      description:
        "Makes every waiting message of regionName's outbox due now (skipping the backoff's " +
        "wait) and delivers what it can to control, in order per shard; answers how many were " +
        "delivered. In a MONOLITH this is every region's outbox (everyRegion).",
      input: z.object({ regionName }),
      output: Delivered,
      resolve: byRegionName("regionName"),
      idempotent: true,
      timeoutMs: DELIVER_NOW_TIMEOUT_MS,
    }),
  },
});
