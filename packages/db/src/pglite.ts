import fs from "node:fs";
import path from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import {
  closingAdapterFactory,
  type Driver,
  type DriverOptions,
  once,
  type SqlDriverAdapter,
  type SqlSession,
} from "./driver.ts";
import { lockDataDir } from "./pglite-lock.ts";
import { type DatabaseTarget, describeTarget } from "./target.ts";

/**
 * PostgreSQL settings of an embedded database. PGlite reserves 128 MB of WebAssembly memory (its
 * floor: `initialMemory` below that fails to start) and PostgreSQL's default 128 MB of shared
 * buffers grow it further; an embedded database holds a silo's development or test data, so 16 MB
 * of buffers is plenty and keeps the process about 110 MB smaller (measured by `npm run bench`).
 */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  "-c",
  "shared_buffers=16MB",
];

/** Embedded PostgreSQL (PGlite, compiled to WebAssembly) in memory or in a directory. */
export async function openPGlite(
  target: Extract<DatabaseTarget, { engine: "pglite" }>,
  options: DriverOptions = {},
): Promise<Driver> {
  const description = describeTarget(target);
  const { dataDir } = target;
  let lock: ReturnType<typeof lockDataDir> | undefined;
  let db: PGlite;
  const snapshot = async () =>
    typeof options.pgliteSnapshot === "function"
      ? await options.pgliteSnapshot()
      : options.pgliteSnapshot;
  let archive: Blob | undefined;
  let existing = false;
  if (dataDir === null) {
    archive = await snapshot();
    db = await PGlite.create({ loadDataDir: archive, startParams: [...PGLITE_START_PARAMS] });
  } else {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    lock = lockDataDir(dataDir);
    try {
      // Only a directory that holds no database yet starts from the snapshot.
      existing = holdsDatabase(dataDir);
      if (!existing) archive = await snapshot();
      db = await PGlite.create({
        dataDir,
        loadDataDir: archive,
        startParams: [...PGLITE_START_PARAMS],
      });
    } catch (error) {
      lock.release();
      throw new Error(
        `Could not open the embedded database ${dataDir}: ${String(error)}. ` +
          "If a process using it was killed before it closed the database, its files may be damaged: " +
          "restore the directory from a copy, or delete it to start again from an empty database.",
        { cause: error },
      );
    }
  }
  const opened = existing ? "existing" : archive === undefined ? "initdb" : "snapshot";
  const close = once(async () => {
    try {
      if (!db.closed) await db.close();
    } finally {
      lock?.release();
    }
  });
  return {
    target,
    description,
    opened,
    adapterFactory: closingAdapterFactory(
      new PrismaPGlite(db),
      { description, isClosed: () => db.closed, close },
      withPostgresErrorKinds,
    ),
    transaction: (work) => db.transaction((tx) => work(pgliteSession(tx))),
    // One process: notifications never get lost, so there is nothing to resync.
    async listen(channel, handlers) {
      const unsubscribe = await db.listen(channel, handlers.onNotify);
      return {
        close: async () => {
          if (!db.closed) await unsubscribe();
        },
      };
    },
    close,
  };
}

/** Whether a PGlite data directory holds a database already. */
export function holdsDatabase(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, "PG_VERSION"));
}

/** A migration-runner session on a PGlite transaction. */
export function pgliteSession(tx: Transaction): SqlSession {
  return {
    exec: async (sql) => {
      await tx.exec(sql);
    },
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      (await tx.query<Row>(sql, params as unknown[] | undefined)).rows,
  };
}

/**
 * The pg adapter turns PostgreSQL errors into Prisma's error kinds (a unique violation becomes
 * P2002 "Unique constraint failed on the fields: (`slug`)"); the PGlite adapter passes them
 * through raw. We apply the pg adapter's mapping to PGlite's errors, so both engines raise the
 * same Prisma errors and code written against one behaves the same on the other.
 */
function withPostgresErrorKinds(adapter: SqlDriverAdapter): SqlDriverAdapter {
  mapErrors(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) =>
    mapErrors(await startTransaction(isolationLevel));
  return adapter;
}

function mapErrors<Q extends Pick<SqlDriverAdapter, "queryRaw" | "executeRaw">>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.queryRaw = (query) => queryRaw(query).catch(rethrowMapped);
  queryable.executeRaw = (query) => executeRaw(query).catch(rethrowMapped);
  return queryable;
}

interface RawPostgresError {
  kind: "postgres";
  code: string;
  message: string;
  detail?: string;
  column?: string;
}

function rethrowMapped(error: unknown): never {
  if (error instanceof Error && error.name === "DriverAdapterError") {
    const cause = error.cause as Partial<RawPostgresError> | undefined;
    const kind = cause?.kind === "postgres" ? errorKind(cause as RawPostgresError) : null;
    if (kind !== null) {
      error.cause = { originalCode: cause?.code, originalMessage: cause?.message, ...kind };
    }
  }
  throw error;
}

/** The same mapping as @prisma/adapter-pg's `mapDriverError`, for the codes an application meets. */
function errorKind(error: RawPostgresError): Record<string, unknown> | null {
  const keyFields = () => error.detail?.match(/Key \(([^)]+)\)/)?.[1]?.split(", ");
  switch (error.code) {
    case "22001":
      return { kind: "LengthMismatch", column: error.column };
    case "22003":
      return { kind: "ValueOutOfRange", cause: error.message };
    case "23505":
    case "23502": {
      const fields = keyFields();
      return {
        kind: error.code === "23505" ? "UniqueConstraintViolation" : "NullConstraintViolation",
        constraint: fields === undefined ? undefined : { fields },
      };
    }
    case "23503":
      return {
        kind: "ForeignKeyConstraintViolation",
        constraint: error.column === undefined ? undefined : { fields: [error.column] },
      };
    case "40001":
      return { kind: "TransactionWriteConflict" };
    default:
      return null;
  }
}
