// The silo process. Until the HTTP server lands (issue #4) it opens this silo's database
// (migrated, seeded), builds the RPC runtime and checks every local service, makes one call
// through the typed client to show the routing, reports that it is ready, and closes the
// database cleanly when stopped.
import { repoRoot } from "@acme/config";
import {
  createDb,
  DEMO_REGIONS,
  describeDb,
  MONOLITH_SEED_SCOPE,
  type SeedScope,
  seedDemoData,
} from "@acme/db";
import { type CallEvent, loadSiloConfig, type SiloConfig } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { DEV_REGION_CONFIG, loadSiloEnv } from "./env.ts";

function seedScope(config: SiloConfig): SeedScope | null {
  if (config.mode === "MONOLITH") return MONOLITH_SEED_SCOPE;
  if (config.mode === "CONTROL") return { control: true, regions: [] };
  const region = config.regionName ?? "";
  return (DEMO_REGIONS as readonly string[]).includes(region)
    ? { control: false, regions: [region] }
    : null;
}

async function main(): Promise<void> {
  const env = loadSiloEnv();
  const config = loadSiloConfig({ REGION_CONFIG: DEV_REGION_CONFIG, ...process.env });
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

  const scope = seedScope(config);
  if (env.SEED_DEMO_DATA && scope !== null) await seedDemoData(db, scope);

  const calls: CallEvent[] = [];
  const { runtime, client } = createAppRuntime({
    config,
    db,
    onCall: (event) => calls.push(event),
  });
  const local = runtime.registry.services.filter((service) => runtime.isLocal(service));
  await runtime.registry.loadAll(local.map((service) => service.key));

  const silo = config.mode === "REGION" ? `REGION ${config.regionName}` : config.mode;
  console.log(`Silo ready in ${Math.round(performance.now() - started)} ms: ${silo}.`);
  console.log(`  database       ${describeDb(db)}`);
  console.log(`  regions        ${runtime.regionNames.join(", ") || "none"}`);
  console.log(`  local services ${local.map((service) => service.key).join(", ")}`);
  if (config.mode === "MONOLITH") {
    const acme = await client.organization.getOrgBySlug.query({ slug: "acme" });
    const call = calls.at(-1);
    if (call !== undefined) {
      const where =
        call.route.kind === "remote" ? `${call.route.silo} at ${call.route.url}` : "in process";
      console.log(
        `  sample call    organization.getOrgBySlug({ slug: "acme" }) -> ${acme?.name ?? "null"}` +
          ` (region ${call.route.region ?? "-"}, ${where}, ${call.durationMs.toFixed(1)} ms)`,
      );
    }
  } else {
    console.log("  (the HTTP server that serves other silos arrives with issue #4)");
  }
  console.log("Press Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
