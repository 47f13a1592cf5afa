// npm run db:migration -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes a database built by
// the committed migrations to what prisma/schema.prisma describes now. Writes nothing when they
// already agree. Then re-embeds the migrations into the code.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.join(import.meta.dirname, "../../..");
const schema = path.join(root, "prisma/schema.prisma");
const prisma = path.join(root, "node_modules/prisma/build/index.js");
const name = process.argv[2] ?? "";

if (!/^[a-z][a-z0-9_]{0,60}$/.test(name)) {
  console.error(
    `Give the migration a snake_case name, e.g. npm run db:migration -- add_project_platform (got "${name}").`,
  );
  process.exit(1);
}

const run = (args: string[]) =>
  execFileSync(process.execPath, [prisma, ...args], {
    cwd: path.join(import.meta.dirname, ".."),
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });

console.log("Reading the schema the committed migrations build...");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "silo-migration-"));
const migrated = path.join(work, "migrated.prisma");
const pulled = run([
  "db",
  "pull",
  "--print",
  "--config",
  path.join(import.meta.dirname, "migrations.config.ts"),
]);
// The CLI prints a warning about the datasource URL (unused with adapters, yet required) first.
const start = pulled.search(/^(generator|datasource) /m);
if (start < 0) throw new Error(`prisma db pull printed no schema:\n${pulled}`);
fs.writeFileSync(migrated, pulled.slice(start));

console.log("Comparing it with prisma/schema.prisma...");
const sql = run([
  "migrate",
  "diff",
  "--from-schema-datamodel",
  migrated,
  "--to-schema-datamodel",
  schema,
  "--script",
]);
fs.rmSync(work, { recursive: true, force: true });

if (!/^\s*[A-Z]/m.test(sql)) {
  console.log("prisma/schema.prisma and the migrations already agree: nothing to write.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const folder = path.join(root, "prisma/migrations", `${stamp}_${name}`);
fs.mkdirSync(folder);
fs.writeFileSync(path.join(folder, "migration.sql"), sql);
console.log(`Wrote ${path.relative(root, folder)}/migration.sql:\n\n${sql}`);
execFileSync(
  process.execPath,
  ["--import", "tsx", path.join(import.meta.dirname, "embed-migrations.ts")],
  {
    stdio: "inherit",
  },
);
console.log("Review the SQL, then run npm test: it checks the migrations build the schema.");
