// New embedded databases start from a cached template instead of initdb and every migration.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { createDb, type Db, openReport } from "../src/client.ts";
import { migrations } from "../src/generated/migrations.ts";
import type { Migration } from "../src/migrate.ts";
import { pgliteTemplate, templateCacheDir, templateKey } from "../src/pglite-template.ts";

const open: Db[] = [];
const written: string[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.$disconnect();
  for (const file of written.splice(0)) fs.rmSync(file, { force: true });
});

async function openDb(dataDir: string, options: { migrate?: boolean } = {}): Promise<Db> {
  const db = await createDb(dataDir, options);
  open.push(db);
  return db;
}

const newDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "silo-template-")), "data");
const tables = async (db: Db) =>
  (
    await db.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
  )
    .map((row) => row.table_name)
    .sort();

function migration(sql: string): Migration {
  return {
    name: `20990101000000_${randomBytes(4).toString("hex")}`,
    sql,
    checksum: createHash("sha256").update(sql).digest("hex"),
  };
}

describe("embedded databases from the cached template", () => {
  it("a new directory starts as a copy of the migrated template: no migration runs, every table is there", async () => {
    const dir = newDir();
    const db = await openDb(dir);
    expect(openReport(db)).toEqual({
      opened: "snapshot",
      migrations: {
        applied: [],
        alreadyApplied: migrations.map((m) => m.name),
        unknown: [],
      },
    });
    expect(await tables(db)).toContain("organization_mappings");
    await db.organizationMapping.create({
      data: {
        slug: "from-template",
        name: "T",
        regionName: "us",
        organizationId: crypto.randomUUID(),
      },
    });
    await db.$disconnect();
    open.splice(0);

    const reopened = await openDb(dir);
    expect(openReport(reopened).opened).toBe("existing");
    expect(await reopened.organizationMapping.count({ where: { slug: "from-template" } })).toBe(1);
  });

  it("a new directory that is not to be migrated starts empty", async () => {
    const db = await openDb(newDir(), { migrate: false });
    expect(openReport(db)).toEqual({ opened: "snapshot", migrations: null });
    expect(await tables(db)).toEqual([]);
  });

  it("is built once per migration set and kept on disk under a name that changes with them", async () => {
    const table = `t_${randomBytes(4).toString("hex")}`;
    const extra = [migration(`CREATE TABLE ${table} (id int);`)];
    const file = path.join(templateCacheDir(), `${templateKey(extra)}.tar`);
    written.push(file);
    expect(fs.existsSync(file)).toBe(false);

    const archive = await pgliteTemplate(extra);
    expect(fs.statSync(file).size).toBe(archive?.size);
    expect(await pgliteTemplate(extra)).toBe(archive); // in process: the same archive

    const copy = await PGlite.create({ loadDataDir: new Blob([fs.readFileSync(file)]) });
    try {
      expect((await copy.query(`SELECT count(*)::int AS n FROM ${table}`)).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await copy.close();
    }

    const edited = [{ ...extra[0], checksum: "0".repeat(64) } as Migration];
    expect(templateKey(edited)).not.toBe(templateKey(extra));
    expect(templateKey([])).not.toBe(templateKey(extra));
  });
});
