// Test helpers: a fresh, migrated database per test, on every engine under test.
// PGlite always; PostgreSQL too when TEST_DATABASE_URL names a server (CI sets it).
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createDb, type Db } from "./client.ts";
import { migrations } from "./generated/migrations.ts";
import { PGLITE_START_PARAMS } from "./pglite.ts";
import { pgliteTemplate } from "./pglite-template.ts";
import { redactDatabaseUrl } from "./target.ts";

export type TestEngine = "pglite" | "postgres";

const adminUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

/** The engines every database test runs against. */
export const testEngines: readonly TestEngine[] = adminUrl ? ["pglite", "postgres"] : ["pglite"];

export interface TestDatabase {
  readonly engine: TestEngine;
  readonly db: Db;
  /** The URL of this database: PostgreSQL only (an in-memory PGlite cannot be opened twice). */
  readonly url: string | undefined;
  /** Closes the client and, for PostgreSQL, drops the database. */
  dispose(): Promise<void>;
}

/**
 * A new empty database of that engine, migrated unless `migrate: false`. PostgreSQL databases are
 * created on the TEST_DATABASE_URL server with a random name and dropped by `dispose()`.
 */
export async function createTestDatabase(
  engine: TestEngine,
  { migrate = true }: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  if (engine === "pglite") {
    const db = await createDb("memory://", {
      migrate,
      pgliteSnapshot: migrate ? await migratedSnapshot() : await emptySnapshot(),
    });
    return { engine, db, url: undefined, dispose: () => db.$disconnect() };
  }
  const url = await createPostgresDatabase();
  try {
    const db = await createDb(url, { migrate, poolSize: 4 });
    return {
      engine,
      db,
      url,
      dispose: async () => {
        await db.$disconnect();
        await dropPostgresDatabase(url);
      },
    };
  } catch (error) {
    await dropPostgresDatabase(url);
    throw error;
  }
}

/** Creates an empty PostgreSQL database on the TEST_DATABASE_URL server and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  if (adminUrl === undefined) throw new Error("TEST_DATABASE_URL is not set.");
  const name = `test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `TEST_DATABASE_URL (${redactDatabaseUrl(adminUrl ?? "")}) is not reachable: ${String(error)}`,
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A bare in-memory PGlite instance (no Prisma, no migrations), for tests of the SQL itself. */
export async function emptyPGlite(): Promise<PGlite> {
  return PGlite.create({
    loadDataDir: await emptySnapshot(),
    startParams: [...PGLITE_START_PARAMS],
  });
}

// initdb and the migrations cost PGlite seconds: test databases start from the templates that
// new embedded databases use, built once per machine and cached on disk (pglite-template.ts).
const emptySnapshot = () => template([]);
const migratedSnapshot = () => template(migrations);

async function template(applied: typeof migrations | []): Promise<Blob> {
  const archive = await pgliteTemplate(applied);
  if (archive === undefined)
    throw new Error("PGlite is not installed in the repository's node_modules.");
  return archive;
}
