// The receiving side: each category's handler, run by the inbox method its drain calls.
import type { z } from "zod";
import type { AnyOutboxCategory, Shard } from "./category.ts";

/** What a handler learns about the message beside its payload. */
export interface DeliveredMessage {
  readonly messageId: string;
  readonly shard: Shard;
  readonly object: string;
  readonly createdAt: string;
}

/**
 * Handles one category's messages. Must be idempotent: a message can be delivered more than once
 * (at least once), and a payload may stand for older ones of its object (coalescing).
 */
export type OutboxHandler<C extends AnyOutboxCategory, Ctx> = (
  payload: z.output<C["payload"]>,
  ctx: Ctx,
  message: DeliveredMessage,
) => Promise<void>;

export type OutboxHandlers<Cs extends readonly AnyOutboxCategory[], Ctx> = {
  readonly [C in Cs[number] as C["name"]]: OutboxHandler<C, Ctx>;
};

/** Every category's handler, checked to be complete: a category without one fails at start. */
export function outboxHandlers<Ctx>() {
  return <const Cs extends readonly AnyOutboxCategory[]>(
    categories: Cs,
    handlers: NoInfer<OutboxHandlers<Cs, Ctx>>,
  ) => {
    for (const category of categories) {
      if (typeof (handlers as Record<string, unknown>)[category.name] !== "function")
        throw new Error(`Outbox category "${category.name}" has no handler.`);
    }
    return async (
      message: DeliveredMessage & { category: string; payload: unknown },
      ctx: Ctx,
    ): Promise<void> => {
      const handler = (handlers as Record<string, OutboxHandler<AnyOutboxCategory, Ctx>>)[
        message.category
      ];
      if (handler === undefined) throw new Error(`No handler for ${message.category}.`);
      await handler(message.payload, ctx, message);
    };
  };
}
