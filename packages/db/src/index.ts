export {
  type CreateDbOptions,
  createDb,
  type Db,
  dbTarget,
  describeDb,
  describeOpening,
  listenDb,
  migrateDb,
  notifyDb,
  openReport,
} from "./client.ts";
export type { ListenHandlers, Subscription } from "./driver.ts";
export {
  type OrganizationMapping,
  OrganizationStatus,
  Prisma,
} from "./generated/prisma/client.ts";
export { type Migration, MigrationError, type MigrationReport } from "./migrate.ts";
export { DatabaseInUseError } from "./pglite-lock.ts";
export {
  DEMO_REGIONS,
  DEMO_SEEDED_AT,
  demoData,
  MONOLITH_SEED_SCOPE,
  type SeedReport,
  type SeedScope,
  seedDemoData,
} from "./seed.ts";
export {
  type DatabaseTarget,
  describeTarget,
  parseDatabaseUrl,
  redactDatabaseUrl,
} from "./target.ts";
