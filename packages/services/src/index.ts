// The services' contracts and models: safe to import in any silo (no implementation, no database).
export {
  type AppClient,
  type AppRouter,
  contracts,
  integrationService,
  organizationMappingService,
  organizationService,
  userService,
} from "./contracts.ts";
export * from "./models.ts";
export { serviceEntries } from "./registry.ts";
export { rpcSchema, rpcSchemaText } from "./schema.ts";
