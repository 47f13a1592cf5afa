// Prisma CLI config for scripts/new-migration.ts: the datasource is an in-memory PGlite holding
// exactly what the committed migrations build, so `prisma db pull` describes the migrated schema.
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

const migrationsDir = path.join(import.meta.dirname, "../../../prisma/migrations");

export default defineConfig({
  schema: path.join(import.meta.dirname, "../../../prisma/schema.prisma"),
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    const db = await PGlite.create();
    const folders = fs
      .readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const folder of folders) {
      await db.exec(fs.readFileSync(path.join(migrationsDir, folder, "migration.sql"), "utf8"));
    }
    return new PrismaPGlite(db);
  },
});
