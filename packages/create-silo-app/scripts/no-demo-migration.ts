// npm run no-demo:migration -w create-silo-app
// Writes the migration a project created with --no-demo starts from: the SQL that creates what
// the template's prisma/schema.prisma describes once its demo blocks are stripped. The tests fail
// when the committed file differs from what this writes (the core schema changed): run it then.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NO_DEMO_MIGRATIONS } from "../src/manifest.ts";
import { stripMarkers } from "../src/markers.ts";
import { PACKAGE_DIR, REPO_DIR } from "../src/template.ts";

export const NO_DEMO_MIGRATION_FILE = path.join(
  PACKAGE_DIR,
  NO_DEMO_MIGRATIONS,
  "20261127000000_init/migration.sql",
);

/** prisma/schema.prisma of a project created with --no-demo. */
export function noDemoSchema(): string {
  const schema = fs.readFileSync(path.join(REPO_DIR, "prisma/schema.prisma"), "utf8");
  return stripMarkers(schema, "prisma/schema.prisma", new Set(["demo", "repo-only"]));
}

/** What `prisma migrate diff --from-empty` writes for the no-demo schema (offline, about 10 s). */
export function noDemoMigrationSql(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-demo-schema-"));
  try {
    const schema = path.join(dir, "schema.prisma");
    fs.writeFileSync(schema, noDemoSchema());
    return execFileSync(
      process.execPath,
      [
        path.join(REPO_DIR, "node_modules/prisma/build/index.js"),
        "migrate",
        "diff",
        "--from-empty",
        "--to-schema-datamodel",
        schema,
        "--script",
      ],
      {
        // packages/db holds the Prisma config that selects the offline JavaScript engines.
        cwd: path.join(REPO_DIR, "packages/db"),
        encoding: "utf8",
        env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  fs.mkdirSync(path.dirname(NO_DEMO_MIGRATION_FILE), { recursive: true });
  fs.writeFileSync(NO_DEMO_MIGRATION_FILE, noDemoMigrationSql());
  console.log(`Wrote ${path.relative(process.cwd(), NO_DEMO_MIGRATION_FILE)}`);
}
