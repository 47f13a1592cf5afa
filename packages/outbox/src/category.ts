// Outbox categories: what a message means, declared once and shared by the silo that writes it and
// the silo that handles it, like an RPC method's contract.
import { z } from "zod";

/** Which way a category's messages travel. */
export type OutboxDirection = "REGION_TO_CONTROL" | "CONTROL_TO_REGION";

/** Messages of one shard are delivered one at a time, in the order they were written. */
export interface Shard {
  /** What kind of thing the shard is, e.g. "organization". */
  readonly scope: string;
  /** Which one, e.g. the organization's id. */
  readonly id: string;
}

export interface OutboxCategory<
  Name extends string = string,
  P extends z.ZodType = z.ZodType,
  D extends OutboxDirection = OutboxDirection,
> {
  /** The category's name on the wire and in the outbox table: `<area>.<event>`. */
  readonly name: Name;
  readonly direction: D;
  readonly description: string;
  /** The message's payload. Part of the RPC schema document, so the compatibility gate sees it. */
  readonly payload: P;
  /** The shard of a message: its messages are delivered in order, one at a time. */
  shard(payload: z.output<P>): Shard;
  /**
   * The object a message is about. Of the waiting messages with one shard, category and object,
   * only the newest is delivered (coalescing): a payload states the object's whole new state.
   */
  object(payload: z.output<P>): string;
}

export type AnyOutboxCategory = OutboxCategory<string, z.ZodType, OutboxDirection>;

const NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

/** Declares a category; its name is `<area>.<event>` in camelCase parts (e.g. `organization.updated`). */
export function defineOutboxCategory<
  const Name extends string,
  P extends z.ZodType,
  const D extends OutboxDirection,
>(category: OutboxCategory<Name, P, D>): OutboxCategory<Name, P, D> {
  if (!NAME.test(category.name)) {
    throw new Error(
      `Outbox category "${category.name}": a name is <area>.<event> in camelCase parts, e.g. organization.updated.`,
    );
  }
  return category;
}

/** What every delivered message carries beside its category and payload. */
export const messageEnvelope = {
  /** The message's id in its outbox: the same on every delivery of it. */
  messageId: z
    .string()
    .regex(/^\d+$/)
    .meta({ examples: ["1"] }),
  shard: z.object({
    scope: z
      .string()
      .min(1)
      .meta({ examples: ["organization"] }),
    id: z
      .string()
      .min(1)
      .meta({ examples: ["0190f5e2-3c4b-7a1d-9e8f-1234567890ab"] }),
  }),
  object: z
    .string()
    .min(1)
    .meta({ examples: ["0190f5e2-3c4b-7a1d-9e8f-1234567890ab"] }),
  /** When the message was committed (ISO 8601). */
  createdAt: z.iso.datetime({ offset: true }),
};

/**
 * The schema of a delivered message of any of `categories` (one direction): a union on
 * `category`, each member with that category's payload. A category no silo knows is refused.
 */
export function messageSchema(categories: readonly AnyOutboxCategory[]) {
  const members = categories.map((category) =>
    z.object({
      ...messageEnvelope,
      category: z.literal(category.name),
      payload: category.payload,
    }),
  );
  const [first, ...rest] = members;
  if (first === undefined) {
    // No category travels this way (yet): every message is refused, and the document says so.
    return z.object({ ...messageEnvelope, category: z.never(), payload: z.unknown() });
  }
  return rest.length === 0 ? first : z.discriminatedUnion("category", [first, ...rest]);
}

/** The categories of one direction, refusing two with one name. */
export function categoriesOf(
  categories: readonly AnyOutboxCategory[],
  direction: OutboxDirection,
): AnyOutboxCategory[] {
  const seen = new Set<string>();
  for (const category of categories) {
    if (seen.has(category.name))
      throw new Error(`Two outbox categories are named "${category.name}".`);
    seen.add(category.name);
  }
  return categories.filter((category) => category.direction === direction);
}
