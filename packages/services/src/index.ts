// The services' contracts and models: safe to import in any silo (no implementation, no database).
export {
  type AppClient,
  type AppRouter,
  contracts,
  controlInboxService,
  integrationService, // demo:line
  organizationMappingService,
  organizationService, // demo:line
  regionInboxService,
  userService, // demo:line
  // turbo gen rpc-service adds exports above this line.
} from "./contracts.ts";
export * from "./models.ts";
export { serviceEntries } from "./registry.ts";
export { rpcSchema, rpcSchemaText } from "./schema.ts";
