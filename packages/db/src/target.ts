import path from "node:path";

/** Where a database lives, decided from its URL. */
export type DatabaseTarget =
  | { readonly engine: "pglite"; readonly dataDir: string | null }
  | { readonly engine: "postgres"; readonly url: string };

const MEMORY = "memory://";

/**
 * Reads a database URL:
 * - nothing, `""` or `memory://`: an embedded PGlite database held in memory;
 * - `postgres://` or `postgresql://`: a PostgreSQL server;
 * - `file://<path>` or a plain path: an embedded PGlite database stored in that directory
 *   (a relative path is taken from `cwd`).
 */
export function parseDatabaseUrl(url: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const value = url?.trim() ?? "";
  if (value === "" || value === MEMORY) return { engine: "pglite", dataDir: null };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new Error(`Invalid database URL: ${redactDatabaseUrl(value)} is not a valid URL.`);
    }
    return { engine: "postgres", url: value };
  }
  if (value.startsWith("file://")) {
    return { engine: "pglite", dataDir: path.resolve(cwd, decodeURIComponent(value.slice(7))) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  if (scheme !== undefined) {
    throw new Error(
      `Unsupported database URL scheme "${scheme}:" in ${redactDatabaseUrl(value)}. ` +
        "Use postgres:// or postgresql:// for PostgreSQL, or memory:// or a directory path for the embedded PGlite database.",
    );
  }
  return { engine: "pglite", dataDir: path.resolve(cwd, value) };
}

/** The URL with any password replaced, safe for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}

/** A short human description of a target, for logs. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.engine === "postgres") return `PostgreSQL ${redactDatabaseUrl(target.url)}`;
  return target.dataDir === null ? "PGlite (in memory)" : `PGlite ${target.dataDir}`;
}
