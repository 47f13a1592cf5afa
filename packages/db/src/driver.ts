import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type { DatabaseTarget } from "./target.ts";

/** Plain SQL on one connection inside a transaction, below Prisma (used by the migration runner). */
export interface SqlSession {
  /** Runs a script of any number of statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * One open database: a PGlite instance or a PostgreSQL pool, shared by the migration runner and
 * the Prisma client. `close()` releases it; it runs when Prisma disposes its adapter, which
 * `$disconnect()` does.
 */
export interface Driver {
  readonly target: DatabaseTarget;
  readonly description: string;
  /**
   * How an embedded database was opened: found on disk, or new, as a copy of a snapshot (the
   * cached template) or by initdb. Undefined for PostgreSQL.
   */
  readonly opened?: "existing" | "snapshot" | "initdb" | undefined;
  readonly adapterFactory: SqlDriverAdapterFactory;
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel of this database (see `listenDb`); closed with the driver. */
  listen(channel: string, handlers: ListenHandlers): Promise<Subscription>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  /** A notification's payload. */
  readonly onNotify: (payload: string) => void;
  /**
   * The subscription was down and is back (PostgreSQL: its connection broke and was opened
   * again): notifications sent meanwhile are lost, so whatever they keep fresh must be reloaded.
   */
  readonly onResync?: () => void;
  /** The subscription's connection broke; it is opened again after a pause. */
  readonly onError?: (error: unknown) => void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface DriverOptions {
  /** Maximum connections in the PostgreSQL pool (default 10). */
  poolSize?: number;
  /**
   * Start a new PGlite database (in memory, or a directory that holds none yet) from an archive
   * made by PGlite's `dumpDataDir()` instead of running initdb; a function is called only when
   * the database is new. createDb passes the cached template of the committed migrations.
   */
  pgliteSnapshot?: Blob | (() => Promise<Blob | undefined>);
}

export type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory["connect"]>>;

/**
 * Prisma disposes its adapter on `$disconnect()`, but the adapters leave the PGlite instance (or
 * a pool they were given) open. This factory closes our driver at that moment, so a disconnected
 * client never leaves an embedded database open, and refuses to reconnect to a closed one.
 */
export function closingAdapterFactory(
  inner: SqlDriverAdapterFactory,
  driver: { description: string; isClosed(): boolean; close(): Promise<void> },
  decorate: (adapter: SqlDriverAdapter) => SqlDriverAdapter = (adapter) => adapter,
): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      if (driver.isClosed()) throw new Error(`${driver.description} is closed.`);
      const adapter = decorate(await inner.connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        try {
          await dispose();
        } finally {
          await driver.close();
        }
      };
      return adapter;
    },
  };
}

/** Wraps an async close so that it runs once, however often it is called. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
