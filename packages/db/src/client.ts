import type { Driver, DriverOptions, ListenHandlers, Subscription } from "./driver.ts";
import { migrations } from "./generated/migrations.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import { applyMigrations, type MigrationReport } from "./migrate.ts";
import { openDriver } from "./open.ts";
import { type DatabaseTarget, parseDatabaseUrl } from "./target.ts";

/** The Prisma client of one silo's database. The same type for PGlite and PostgreSQL. */
export type Db = PrismaClient;

export interface CreateDbOptions extends DriverOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Relative PGlite paths are resolved from here (default: the current directory). */
  cwd?: string;
}

const drivers = new WeakMap<Db, { driver: Driver; migrations: MigrationReport | null }>();

/**
 * Opens a silo's database and returns its Prisma client, migrated unless told otherwise.
 *
 * - no URL, `""` or `memory://`: embedded PGlite in memory;
 * - a directory path or `file://` URL: embedded PGlite stored there (one process at a time);
 * - `postgres://` or `postgresql://`: PostgreSQL through the `pg` driver.
 *
 * `await db.$disconnect()` closes the database: call it on shutdown. An embedded database that
 * is not closed may be left damaged.
 */
export async function createDb(url?: string, options: CreateDbOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(url, options.cwd);
  const driver = await openDriver(target, {
    ...options,
    // A new embedded database starts as a copy of a template built once and cached on disk:
    // the committed migrations applied (or none, when asked not to migrate).
    pgliteSnapshot:
      options.pgliteSnapshot ??
      (async () => {
        const { pgliteTemplate } = await import("./pglite-template.ts");
        return pgliteTemplate(options.migrate === false ? [] : migrations);
      }),
  });
  try {
    const report = options.migrate === false ? null : await applyMigrations(driver, migrations);
    const db = new PrismaClient({ adapter: driver.adapterFactory });
    // Connect now, so `$disconnect()` always has an adapter to dispose, and with it the driver.
    await db.$connect();
    drivers.set(db, { driver, migrations: report });
    return db;
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** Applies pending migrations to an open database (createDb does this by default). */
export async function migrateDb(db: Db): Promise<MigrationReport> {
  return applyMigrations(driverOf(db), migrations);
}

/** Which database a client is connected to. */
export function dbTarget(db: Db): DatabaseTarget {
  return driverOf(db).target;
}

/**
 * What opening the database did, for logs: the migrations applied and found (null when not
 * migrated), and for an embedded database whether it was found on disk or made new (from the
 * cached template, or by initdb).
 */
export function openReport(db: Db): {
  migrations: MigrationReport | null;
  opened: Driver["opened"];
} {
  const { migrations, driver } = entryOf(db);
  return { migrations, opened: driver.opened };
}

/**
 * What opening did, in words for a start-up line: "new, from the cached template; example data
 * loaded", "existing; 1 migration applied (…); example data already there".
 */
export function describeOpening(db: Db, seeded?: Record<string, number> | null): string {
  const { opened, migrations } = openReport(db);
  const parts: string[] = [];
  if (opened === "existing") parts.push("existing database");
  else if (opened === "snapshot") parts.push("new database, copied from the cached template");
  else if (opened === "initdb") parts.push("new database");
  if (migrations !== null) {
    const { applied } = migrations;
    parts.push(
      applied.length === 0
        ? "no migration pending"
        : `${applied.length} migration${applied.length === 1 ? "" : "s"} applied (${applied.join(", ")})`,
    );
  }
  if (seeded != null) {
    const inserted = Object.values(seeded).reduce((sum, count) => sum + count, 0);
    parts.push(
      inserted === 0 ? "example data already there" : `example data loaded (${inserted} rows)`,
    );
  }
  return parts.join("; ");
}

/** A short description for logs (passwords redacted). */
export function describeDb(db: Db): string {
  return driverOf(db).description;
}

/** The driver under a client opened by createDb (for this package and its tests). */
export function driverOf(db: Db): Driver {
  return entryOf(db).driver;
}

function entryOf(db: Db) {
  const entry = drivers.get(db);
  if (entry === undefined) throw new Error("This Prisma client was not opened by createDb().");
  return entry;
}

/**
 * Subscribes to a NOTIFY channel of this database: every process on it (the replicas of one silo)
 * hears what any of them sends with `notifyDb`, once the sending transaction commits.
 */
export function listenDb(db: Db, channel: string, handlers: ListenHandlers): Promise<Subscription> {
  return driverOf(db).listen(channel, handlers);
}

/** Sends `payload` to every listener of `channel` on this database (PostgreSQL's pg_notify). */
export async function notifyDb(db: Db, channel: string, payload: string): Promise<void> {
  await db.$queryRaw`SELECT pg_notify(${channel}, ${payload})::text`;
}
