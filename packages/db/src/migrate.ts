import { randomUUID } from "node:crypto";
import type { SqlSession } from "./driver.ts";

export interface Migration {
  /** Folder name under prisma/migrations: `<timestamp>_<name>`, applied in name order. */
  readonly name: string;
  /** sha256 (hex) of migration.sql, as Prisma computes it. */
  readonly checksum: string;
  readonly sql: string;
}

export interface MigrationReport {
  /** Migrations this call applied, in order. */
  readonly applied: readonly string[];
  /** Migrations found already applied. */
  readonly alreadyApplied: readonly string[];
  /**
   * Applied migrations this code does not know: the database was migrated by a newer release.
   * Normal while a deploy rolls out; an older process keeps running against the newer schema.
   */
  readonly unknown: readonly string[];
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

interface Runner {
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

/**
 * Every process that opens a database may call this at startup, at the same time as others:
 * the whole run holds a transaction-scoped advisory lock, so one process applies the pending
 * migrations while the others wait and then find nothing left to do. The run is one transaction:
 * if a migration fails, none of this run's migrations is kept or recorded.
 *
 * Applied migrations are recorded in Prisma's own `_prisma_migrations` table and layout, so
 * `prisma migrate status` reads the same history wherever Prisma's native engine runs.
 */
export async function applyMigrations(
  runner: Runner,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  assertOrdered(migrations);
  return runner.transaction(async (session) => {
    await session.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await session.exec(CREATE_HISTORY_TABLE);
    const rows = await session.query<HistoryRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const history = new Map<string, HistoryRow>();
    for (const row of rows) {
      if (row.rolled_back_at !== null) continue;
      if (row.finished_at === null) {
        throw new MigrationError(
          `Migration ${row.migration_name} was started but never finished (recorded by another tool). ` +
            "Inspect the database, then mark it rolled back or finished in _prisma_migrations before migrating again.",
        );
      }
      history.set(row.migration_name, row);
    }

    const applied: string[] = [];
    const alreadyApplied: string[] = [];
    for (const migration of migrations) {
      const recorded = history.get(migration.name);
      if (recorded !== undefined) {
        if (recorded.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied to this database ` +
              `(recorded checksum ${recorded.checksum.slice(0, 12)}…, file ${migration.checksum.slice(0, 12)}…). ` +
              "Never edit an applied migration: restore it and add a new migration instead.",
          );
        }
        alreadyApplied.push(migration.name);
        continue;
      }
      try {
        await session.exec(migration.sql);
      } catch (error) {
        throw new MigrationError(
          `Migration ${migration.name} failed and nothing from this run was applied: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      }
      await session.query(
        `INSERT INTO "_prisma_migrations"
           (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
      applied.push(migration.name);
    }
    const known = new Set(migrations.map((migration) => migration.name));
    const unknown = [...history.keys()].filter((name) => !known.has(name)).sort();
    return { applied, alreadyApplied, unknown };
  });
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

// Any fixed 64-bit number shared by every process of this application ("silomigr" in ASCII).
const MIGRATION_LOCK_KEY = "8316297412749125490";

// Prisma's own table, created exactly as `prisma migrate` creates it.
const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

function assertOrdered(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]?.name ?? "";
    const current = migrations[i]?.name ?? "";
    if (current <= previous) {
      throw new MigrationError(
        `Migrations must be sorted by name: ${current} comes after ${previous}.`,
      );
    }
  }
}
