// New embedded databases start from a copy of a template instead of running initdb (and every
// migration): the template is built once per PGlite version, settings and migration set, and
// kept on disk, so each later silo, test database and `npm run dev` skips seconds of work.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "@acme/config";
import { PGlite } from "@electric-sql/pglite";
import { migrations as committedMigrations } from "./generated/migrations.ts";
import { applyMigrations, type Migration } from "./migrate.ts";
import { PGLITE_START_PARAMS, pgliteSession } from "./pglite.ts";

/** Bumped when the way templates are built changes, so old files are never loaded. */
const FORMAT = 1;

// Found from the repository root, not through `require.resolve`: a bundler (Next's) replaces
// that with a module id, and the admin app runs this module bundled.
const nodeModules = () => path.join(/* turbopackIgnore: true */ repoRoot, "node_modules");

/** Where templates are kept: `node_modules/.cache/acme-db`, like other tools' caches. */
export function templateCacheDir(): string {
  return path.join(nodeModules(), ".cache", "acme-db");
}

/** The installed PGlite's version, or undefined when it cannot be found where npm puts it. */
function pgliteVersion(): string | undefined {
  try {
    const file = path.join(nodeModules(), "@electric-sql", "pglite", "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * The template's file name: a hash of everything that decides its contents. A new migration, an
 * edited one, another PGlite version or other settings name another file.
 */
export function templateKey(migrations: readonly Migration[], version = pgliteVersion()): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([FORMAT, version, PGLITE_START_PARAMS]))
    .update(JSON.stringify(migrations.map(({ name, checksum }) => [name, checksum])));
  return `pglite-${migrations.length === 0 ? "empty" : "migrated"}-${hash.digest("hex").slice(0, 16)}`;
}

const inProcess = new Map<string, Promise<Blob>>();

/**
 * The archive of a PGlite data directory with `migrations` applied (none: a fresh initdb), read
 * from the cache, or built and written there; undefined where PGlite's version cannot be read. A cache file that cannot be read is rebuilt; one
 * that cannot be written (a read-only install) is skipped, and the template lives in memory.
 */
export function pgliteTemplate(
  migrations: readonly Migration[] = committedMigrations,
): Promise<Blob | undefined> {
  // Without PGlite's version no template can be told apart from an older one: none is used.
  const version = pgliteVersion();
  if (version === undefined) return Promise.resolve(undefined);
  const key = templateKey(migrations, version);
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
