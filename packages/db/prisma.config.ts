import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

// The Prisma CLI is used to generate the client and to write migrations (`migrate diff`), both
// offline on Prisma's JavaScript engines. Migrations are applied by our own runner
// (src/migrate.ts), never by `prisma migrate deploy` (see README, "Changing the schema").
// The CLI wants an adapter even for commands that read no database: an in-memory PGlite.
export default defineConfig({
  schema: path.join(import.meta.dirname, "../../prisma/schema.prisma"),
  migrations: { path: path.join(import.meta.dirname, "../../prisma/migrations") },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaPGlite(new PGlite()),
});
