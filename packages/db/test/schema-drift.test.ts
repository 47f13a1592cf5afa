// The committed migrations must build exactly the database that prisma/schema.prisma describes,
// and the migrations embedded in the code must be the committed files.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { migrations } from "../src/generated/migrations.ts";
import { applyMigrations } from "../src/migrate.ts";
import { pgliteSession } from "../src/pglite.ts";
import { emptyPGlite } from "../src/testing.ts";

const root = path.join(import.meta.dirname, "../../..");
const migrationsDir = path.join(root, "prisma/migrations");

async function catalog(db: PGlite) {
  const rows = async (sql: string) => (await db.query(sql)).rows;
  return {
    columns: await rows(`
      SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
      ORDER BY table_name, column_name`),
    indexes: await rows(`
      SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`),
    constraints: await rows(`
      SELECT conrelid::regclass::text AS on_table, conname, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'
      ORDER BY conname`),
    enums: await rows(`
      SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
      ORDER BY t.typname, e.enumsortorder`),
  };
}

describe("schema and migrations", () => {
  it("the embedded migrations are the committed prisma/migrations files", () => {
    const onDisk = fs
      .readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => {
        const sql = fs.readFileSync(path.join(migrationsDir, entry.name, "migration.sql"), "utf8");
        return { name: entry.name, checksum: createHash("sha256").update(sql).digest("hex") };
      })
      .sort((a, b) => a.name.localeCompare(b.name));

    expect(
      migrations.map(({ name, checksum }) => ({ name, checksum })),
      "run `npm run db:generate` to embed the current migrations",
    ).toEqual(onDisk);
  });

  it("applying every migration gives the database that schema.prisma describes", async () => {
    const { stdout: fromSchema } = await promisify(execFile)(
      process.execPath,
      [
        path.join(root, "node_modules/prisma/build/index.js"),
        "migrate",
        "diff",
        "--from-empty",
        "--to-schema-datamodel",
        path.join(root, "prisma/schema.prisma"),
        "--script",
      ],
      {
        cwd: path.join(import.meta.dirname, ".."),
        env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      },
    );
    const migrated = await emptyPGlite();
    const expected = await emptyPGlite();
    try {
      await applyMigrations(
        { transaction: (work) => migrated.transaction((tx) => work(pgliteSession(tx))) },
        migrations,
      );
      await expected.exec(fromSchema);

      expect(
        await catalog(migrated),
        "prisma/schema.prisma and prisma/migrations disagree: " +
          "write the migration with `npm run db:migration -- <name>`",
      ).toEqual(await catalog(expected));
    } finally {
      await Promise.all([migrated.close(), expected.close()]);
    }
  });
});
