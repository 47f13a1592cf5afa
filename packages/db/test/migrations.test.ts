import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDb, type Db, driverOf, migrateDb } from "../src/client.ts";
import { migrations } from "../src/generated/migrations.ts";
import { applyMigrations, type Migration, MigrationError } from "../src/migrate.ts";
import { createTestDatabase, type TestDatabase, testEngines } from "../src/testing.ts";

/** Every table prisma/schema.prisma defines (each model maps to one), in name order. */
const APP_TABLES = [
  ...fs
    .readFileSync(path.join(import.meta.dirname, "../../../prisma/schema.prisma"), "utf8")
    .matchAll(/@@map\("(\w+)"\)/g),
]
  .map((match) => match[1] as string)
  .sort();

async function tables(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name::text AS table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  return rows.map((row) => row.table_name);
}

async function history(db: Db) {
  return db.$queryRaw<{ migration_name: string; checksum: string; finished: boolean }[]>`
    SELECT migration_name, checksum, finished_at IS NOT NULL AS finished
    FROM "_prisma_migrations" ORDER BY migration_name`;
}

describe.each(testEngines)("migrations [%s]", (engine) => {
  let open: TestDatabase[] = [];
  const fresh = async (migrate: boolean) => {
    const database = await createTestDatabase(engine, { migrate });
    open.push(database);
    return database;
  };
  afterEach(async () => {
    await Promise.all(open.map((database) => database.dispose()));
    open = [];
  });

  it("apply to an empty database and record Prisma's history with the file checksums", async () => {
    const { db } = await fresh(false);
    expect(await tables(db)).toEqual([]);

    const report = await migrateDb(db);

    expect(report.applied).toEqual(migrations.map((m) => m.name));
    expect(await tables(db)).toEqual(["_prisma_migrations", ...APP_TABLES]);
    expect(await history(db)).toEqual(
      migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true })),
    );
  });

  it("are idempotent: a second run applies nothing and keeps the data", async () => {
    const { db } = await fresh(true);
    await db.organizationMapping.create({
      data: {
        organizationId: "01940000-0000-7000-8000-999900000001",
        slug: "kept",
        name: "Kept",
        regionName: "us",
      },
    });

    const report = await migrateDb(db);

    expect(report).toEqual({
      applied: [],
      alreadyApplied: migrations.map((m) => m.name),
      unknown: [],
    });
    expect(await history(db)).toHaveLength(migrations.length);
    expect(await db.organizationMapping.count()).toBe(1);
  });

  it("roll back the whole run when one migration fails, naming it", async () => {
    const { db } = await fresh(false);
    const broken: Migration[] = [
      ...migrations,
      { name: "29990101000000_good", checksum: "a".repeat(64), sql: "CREATE TABLE good (id int);" },
      {
        name: "29990101000001_bad",
        checksum: "b".repeat(64),
        sql: "CREATE TABLE bad (id nosuchtype);",
      },
    ];
    const run = applyMigrations(driverOf(db), broken);

    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(
      /Migration 29990101000001_bad failed and nothing from this run was applied: .*nosuchtype/,
    );
    // Nothing half-written: not even the migrations before the failing one.
    expect(await tables(db)).toEqual([]);
  });

  it("refuse to run when an applied migration was edited", async () => {
    const { db } = await fresh(true);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));

    await expect(applyMigrations(driverOf(db), edited)).rejects.toThrow(
      /Migration 20261127000000_init was changed after it was applied/,
    );
  });

  it("report applied migrations this code does not know (a newer release migrated the database)", async () => {
    const { db } = await fresh(true);
    const newer: Migration = {
      name: "29990101000000_from_the_future",
      checksum: "c".repeat(64),
      sql: "CREATE TABLE future (id int);",
    };
    await applyMigrations(driverOf(db), [...migrations, newer]);

    const report = await migrateDb(db);

    expect(report.unknown).toEqual([newer.name]);
    expect(report.applied).toEqual([]);
  });
});

describe.runIf(testEngines.includes("postgres"))(
  "migrations [postgres] with concurrent starters",
  () => {
    it("apply once when several processes' clients start at the same time", async () => {
      const database = await createTestDatabase("postgres", { migrate: false });
      const url = database.url as string;
      try {
        const clients = await Promise.all(
          Array.from({ length: 6 }, () => createDb(url, { poolSize: 2 })),
        );
        await Promise.all(clients.map((client) => client.$disconnect()));

        expect(await history(database.db)).toEqual(
          migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true })),
        );
        expect(await tables(database.db)).toEqual(["_prisma_migrations", ...APP_TABLES]);
      } finally {
        await database.dispose();
      }
    });
  },
);

describe("createDb errors", () => {
  it("names an unreachable PostgreSQL server, without its password", async () => {
    const attempt = createDb("postgresql://app:s3cret@127.0.0.1:1/nowhere");
    await expect(attempt).rejects.toThrow(
      /Could not connect to PostgreSQL postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    );
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it("refuses a client after $disconnect with a clear error", async () => {
    const db = await createDb("memory://", { migrate: false });
    await db.$disconnect();
    await expect(db.organizationMapping.count()).rejects.toThrow(/PGlite \(in memory\) is closed/);
  });

  it("keeps parse errors for URLs it cannot use", async () => {
    await expect(createDb("sqlite://./dev.db")).rejects.toThrow(
      /Unsupported database URL scheme "sqlite:"/,
    );
  });
});
