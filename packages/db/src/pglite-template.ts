// New embedded databases start from a copy of a template instead of running initdb (and every
// migration): the template is built once per PGlite version, settings and migration set, and
// kept on disk, so each later silo, test database and `npm run dev` skips seconds of work.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { migrations as committedMigrations } from "./generated/migrations.ts";
import { applyMigrations, type Migration } from "./migrate.ts";
import { PGLITE_START_PARAMS, pgliteSession } from "./pglite.ts";

/** Bumped when the way templates are built changes, so old files are never loaded. */
const FORMAT = 1;

const require = createRequire(import.meta.url);

/** Where templates are kept: `node_modules/.cache/acme-db` beside PGlite, else the temp folder. */
export function templateCacheDir(): string {
  const entry = require.resolve("@electric-sql/pglite");
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = entry.lastIndexOf(marker);
  return at === -1
    ? path.join(os.tmpdir(), "acme-db-cache")
    : path.join(entry.slice(0, at + marker.length), ".cache", "acme-db");
}

function pgliteVersion(): string {
  let dir = path.dirname(require.resolve("@electric-sql/pglite"));
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return (
    JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }
  ).version;
}

/**
 * The template's file name: a hash of everything that decides its contents. A new migration, an
 * edited one, another PGlite version or other settings name another file.
 */
export function templateKey(migrations: readonly Migration[]): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([FORMAT, pgliteVersion(), PGLITE_START_PARAMS]))
    .update(JSON.stringify(migrations.map(({ name, checksum }) => [name, checksum])));
  return `pglite-${migrations.length === 0 ? "empty" : "migrated"}-${hash.digest("hex").slice(0, 16)}`;
}

const inProcess = new Map<string, Promise<Blob>>();

/**
 * The archive of a PGlite data directory with `migrations` applied (none: a fresh initdb), read
 * from the cache, or built and written there. A cache file that cannot be read is rebuilt; one
 * that cannot be written (a read-only install) is skipped, and the template lives in memory.
 */
export function pgliteTemplate(
  migrations: readonly Migration[] = committedMigrations,
): Promise<Blob> {
  const key = templateKey(migrations);
  let template = inProcess.get(key);
  if (template === undefined) {
    template = readOrBuild(key, migrations);
    inProcess.set(key, template);
    template.catch(() => inProcess.delete(key));
  }
  return template;
}

async function readOrBuild(key: string, migrations: readonly Migration[]): Promise<Blob> {
  const file = path.join(templateCacheDir(), `${key}.tar`);
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.length > 0) return new Blob([bytes]);
  } catch {
    // Not built yet (or unreadable): build it.
  }
  const db = await PGlite.create({ startParams: [...PGLITE_START_PARAMS] });
  let archive: Blob;
  try {
    if (migrations.length > 0) {
      await applyMigrations(
        { transaction: (work) => db.transaction((tx) => work(pgliteSession(tx))) },
        migrations,
      );
    }
    archive = await db.dumpDataDir("none");
  } finally {
    await db.close();
  }
  try {
    // Written whole under another name, then renamed: a reader sees all of it or nothing, and
    // processes building the same template at once each write a complete, identical file.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    fs.writeFileSync(partial, new Uint8Array(await archive.arrayBuffer()));
    fs.renameSync(partial, file);
  } catch {
    // A read-only install: every new database builds its template in memory.
  }
  return archive;
}
