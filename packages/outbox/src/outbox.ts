// Writing: a message is recorded in the transaction of the change it describes, or not at all.
import type { Db, Prisma } from "@acme/db";
import type { z } from "zod";
import type { AnyOutboxCategory, OutboxCategory, OutboxDirection } from "./category.ts";
import type { OutboxDrain, ShardRef } from "./drain.ts";

/** Where a CONTROL_TO_REGION message goes: one region, or every region (one message each). */
export type Destination = { readonly region: string } | { readonly everyRegion: true };

/** Records messages in the transaction it was handed to; unusable once that transaction ends. */
export interface OutboxWriter {
  /** A message for control (REGION_TO_CONTROL categories). */
  send<P extends z.ZodType>(
    category: OutboxCategory<string, P, "REGION_TO_CONTROL">,
    payload: z.input<P>,
  ): Promise<void>;
  /** A message for one region or every region (CONTROL_TO_REGION categories). */
  send<P extends z.ZodType>(
    category: OutboxCategory<string, P, "CONTROL_TO_REGION">,
    payload: z.input<P>,
    to: Destination,
  ): Promise<void>;
}

export type Transaction = Prisma.TransactionClient;

export interface OutboxOptions {
  /** The drains of this process, by direction: a process writes only what it can drain. */
  readonly drains: readonly OutboxDrain[];
  /** Every region's name, for messages to every region. */
  readonly regions: () => readonly string[];
}

/** The message could not be written: the transaction it was part of is rolled back. */
export class OutboxWriteError extends Error {
  override readonly name = "OutboxWriteError";
}

/**
 * The outbox of one process: `transaction` runs a business write and the messages describing
 * it in one database transaction, then starts their delivery once it has committed.
 */
export class Outbox {
  readonly #db: Db;
  readonly #drains: ReadonlyMap<OutboxDirection, OutboxDrain>;
  readonly #regions: () => readonly string[];

  constructor(db: Db, options: OutboxOptions) {
    this.#db = db;
    this.#drains = new Map(options.drains.map((drain) => [drain.direction, drain]));
    this.#regions = options.regions;
  }

  /** This process's drains (a REGION silo has one, CONTROL one, a MONOLITH both). */
  get drains(): OutboxDrain[] {
    return [...this.#drains.values()];
  }

  /**
   * Runs `write` in one transaction with an outbox writer: the change and its messages commit
   * together or not at all. After the commit the messages' shards are drained at once.
   */
  async transaction<T>(
    write: (tx: Transaction, outbox: OutboxWriter) => Promise<T>,
    options?: { timeoutMs?: number },
  ): Promise<T> {
    const written = new Map<OutboxDirection, Map<string, ShardRef>>();
    let open = true;
    const send = async (
      category: AnyOutboxCategory,
      payload: unknown,
      to?: Destination,
    ): Promise<void> => {
      if (!open) {
        throw new OutboxWriteError(
          `${category.name}: a message is written inside Outbox.transaction, and that transaction is over.`,
        );
      }
      const drain = this.#drains.get(category.direction);
      if (drain === undefined) {
        throw new OutboxWriteError(
          `${category.name} is a ${category.direction} category: this process has no such outbox (a region writes to control, control writes to regions).`,
        );
      }
      const parsed = category.payload.safeParse(payload);
      if (!parsed.success) {
        throw new OutboxWriteError(
          `${category.name}: the payload does not match the category's schema: ${parsed.error.issues
            .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
            .join("; ")}`,
        );
      }
      const value = parsed.data;
      const shard = category.shard(value);
      const fields = {
        category: category.name,
        shardScope: shard.scope,
        shardId: shard.id,
        objectId: category.object(value),
        payload: value as Prisma.InputJsonValue,
      };
      const shards = written.get(category.direction) ?? new Map<string, ShardRef>();
      written.set(category.direction, shards);
      if (category.direction === "REGION_TO_CONTROL") {
        await tx.regionOutbox.create({ data: fields, select: { id: true } });
        shards.set(JSON.stringify(["", shard.scope, shard.id]), { regionName: "", ...shard });
        return;
      }
      if (to === undefined) {
        throw new OutboxWriteError(`${category.name}: say which region the message is for.`);
      }
      const regions = "region" in to ? [to.region] : [...this.#regions()];
      for (const region of regions) {
        if (!this.#regions().includes(region)) {
          throw new OutboxWriteError(`${category.name}: there is no region "${region}".`);
        }
      }
      await tx.controlOutbox.createMany({
        data: regions.map((regionName) => ({ ...fields, regionName })),
      });
      for (const regionName of regions)
        shards.set(JSON.stringify([regionName, shard.scope, shard.id]), { regionName, ...shard });
    };
    let tx!: Transaction;
    const result = await this.#db.$transaction(
      async (transaction) => {
        tx = transaction;
        try {
          return await write(transaction, { send } as OutboxWriter);
        } finally {
          open = false;
        }
      },
      options?.timeoutMs === undefined ? undefined : { timeout: options.timeoutMs },
    );
    for (const [direction, shards] of written) this.#drains.get(direction)?.soon(shards.values());
    return result;
  }
}
