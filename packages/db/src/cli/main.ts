// The database command line: `npm run db:migrate`, `npm run db:seed`, `npm run db:status`.
import { parseArgs } from "node:util";
import { repoRoot } from "@acme/config";
import { createDb, describeDb, migrateDb } from "../client.ts";
import { MONOLITH_SEED_SCOPE, type SeedScope, seedDemoData } from "../seed.ts";
import { loadCliEnv } from "./env.ts";

const USAGE = `Usage: db <command> [options]

Commands:
  migrate                 Apply pending migrations to DATABASE_URL.
  seed [--control] [--region <name>]...
                          Migrate, then load the demo data (idempotent). With no options, all of
                          it, as a MONOLITH database holds it; otherwise only the control silo's
                          part and/or the named regions' organizations.

DATABASE_URL: postgres://..., memory://, or a PGlite directory (default .data/dev, relative to the
repository root). The repository's .env file is read first when it exists.`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      control: { type: "boolean", default: false },
      region: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (extra.length > 0 || !["migrate", "seed"].includes(command)) {
    throw new UsageError(`Unknown command "${positionals.join(" ")}".`);
  }
  if (command === "migrate" && (values.control || values.region.length > 0)) {
    throw new UsageError("--control and --region apply to seed only.");
  }

  const env = loadCliEnv();
  const db = await createDb(env.DATABASE_URL, { migrate: false, cwd: repoRoot });
  try {
    const report = await migrateDb(db);
    console.log(
      `${describeDb(db)}: ${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already applied.`,
    );
    for (const name of report.applied) console.log(`  applied ${name}`);
    if (report.unknown.length > 0) {
      console.warn(
        `  the database also has migrations this code does not know: ${report.unknown.join(", ")}`,
      );
    }
    if (command === "seed") {
      const scope: SeedScope =
        values.control || values.region.length > 0
          ? { control: values.control, regions: values.region }
          : MONOLITH_SEED_SCOPE;
      const inserted = await seedDemoData(db, scope);
      const rows = Object.entries(inserted)
        .map(([table, n]) => `${table} ${n}`)
        .join(", ");
      console.log(`Seeded demo data (rows inserted: ${rows}).`);
    }
  } finally {
    await db.$disconnect();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
