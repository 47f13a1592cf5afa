export {
  type BacklogError,
  type BacklogRow,
  outboxBacklog,
  outboxShards,
  type ShardBacklog,
  type ShardPage,
} from "./backlog.ts";
export {
  type AnyOutboxCategory,
  categoriesOf,
  defineOutboxCategory,
  messageEnvelope,
  messageSchema,
  type OutboxCategory,
  type OutboxDirection,
  type Shard,
} from "./category.ts";
export {
  type Deliver,
  type DrainOptions,
  OutboxDrain,
  type OutboxMessage,
  outboxErrorText,
  type ShardRef,
} from "./drain.ts";
export {
  type DeliveredMessage,
  type OutboxHandler,
  type OutboxHandlers,
  outboxHandlers,
} from "./handlers.ts";
export {
  type Destination,
  Outbox,
  type OutboxOptions,
  OutboxWriteError,
  type OutboxWriter,
  type Transaction,
} from "./outbox.ts";
