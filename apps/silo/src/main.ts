// The silo process. Until the RPC server lands (issue #4) it is a placeholder that opens this
// silo's database, migrates it, loads the demo data, reports that it is ready, and closes the
// database cleanly when stopped.

import { repoRoot } from "@acme/config";
import { createDb, describeDb, seedDemoData } from "@acme/db";
import { loadSiloEnv } from "./env.ts";

async function main(): Promise<void> {
  const env = loadSiloEnv();
  const started = performance.now();
  const db = await createDb(env.DATABASE_URL, { cwd: repoRoot });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}: closing the database.`);
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  if (env.SEED_DEMO_DATA) await seedDemoData(db);
  const [organizations, users] = await Promise.all([
    db.organizationMapping.findMany({
      select: { slug: true, regionName: true },
      orderBy: { slug: "asc" },
    }),
    db.user.count(),
  ]);
  const ms = Math.round(performance.now() - started);
  console.log(`Silo ready in ${ms} ms (MONOLITH placeholder until the RPC server lands).`);
  console.log(`  database       ${describeDb(db)}`);
  console.log(`  users          ${users}`);
  console.log(
    `  organizations  ${organizations.map((org) => `${org.slug} (${org.regionName})`).join(", ") || "none"}`,
  );
  if (env.SEED_DEMO_DATA) console.log("Press Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
