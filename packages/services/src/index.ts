// The services' contracts and models: safe to import in any silo (no implementation, no database).
export {
  type AppClient,
  type AppRouter,
  contracts,
  controlInboxService,
  controlOutboxService,
  integrationService, // demo:line
  organizationMappingService,
  organizationService, // demo:line
  regionInboxService,
  regionOutboxService,
  userService, // demo:line
  // turbo gen rpc-service adds exports above this line.
} from "./contracts.ts";
export * from "./models.ts";
export { MAX_SHARDS, type OutboxBacklog } from "./outbox/admin-contract.ts";
export { serviceEntries } from "./registry.ts";
export { rpcSchema, rpcSchemaText } from "./schema.ts";
