// A silo process: its database (migrated, seeded), the RPC runtime of its services, and the HTTP
// server that serves the services local to it. Any silo mode, from the environment.
import fs from "node:fs";
import { repoRoot } from "@acme/config";
import {
  createDb,
  DEMO_REGIONS,
  describeDb,
  MONOLITH_SEED_SCOPE,
  type SeedScope,
  seedDemoData,
} from "@acme/db";
import { loadSiloConfig, type SiloConfig } from "@acme/rpc";
import { rpcSchema } from "@acme/services";
import { createAppRuntime, DEMO_REGION_CONFIG } from "@acme/services/runtime";
import { pino } from "pino";
import { loadSiloEnv } from "./env.ts";
import { SiloMetrics } from "./metrics.ts";
import { createSiloServer } from "./server.ts";
import { outgoingTraceHeaders } from "./trace.ts";

function seedScope(config: SiloConfig): SeedScope | null {
  if (config.mode === "MONOLITH") return MONOLITH_SEED_SCOPE;
  if (config.mode === "CONTROL") return { control: true, regions: [] };
  const region = config.regionName ?? "";
  return (DEMO_REGIONS as readonly string[]).includes(region)
    ? { control: false, regions: [region] }
    : null;
}

const version = (
  JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

async function main(): Promise<void> {
  const env = loadSiloEnv();
  const config = loadSiloConfig({ REGION_CONFIG: DEMO_REGION_CONFIG, ...process.env });
  const silo = config.mode === "REGION" ? `region-${config.regionName}` : config.mode.toLowerCase();
  const logger = pino({ level: env.LOG_LEVEL, base: { silo } });
  const started = performance.now();
  const db = await createDb(env.DATABASE_URL, { cwd: repoRoot });

  const metrics = new SiloMetrics({ silo });
  const { runtime, client } = createAppRuntime({
    config,
    db,
    onCall: (event) => metrics.made(event),
    outgoingHeaders: outgoingTraceHeaders,
  });
  const server = createSiloServer({
    runtime,
    db,
    logger,
    metrics,
    version,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    openapi: rpcSchema,
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    const { unfinished } = await server.shutdown();
    if (unfinished > 0)
      logger.warn({ unfinished }, "cut off requests still running at the shutdown timeout");
    await db.$disconnect();
    logger.info("stopped: database closed");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const scope = seedScope(config);
  if (env.SEED_DEMO_DATA && scope !== null) await seedDemoData(db, scope);
  const local = runtime.registry.services.filter((service) => runtime.isLocal(service));
  await runtime.registry.loadAll(local.map((service) => service.key));

  const address = await server.listen(env.PORT, env.HOST);
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    {
      url,
      mode: config.mode,
      region: config.regionName ?? null,
      regions: runtime.regionNames,
      database: describeDb(db),
      localServices: local.map((service) => service.key),
      startupMs: Math.round(performance.now() - started),
    },
    "silo ready",
  );
  if (config.mode === "MONOLITH") {
    const acme = await client.organization.getOrgBySlug.query({ slug: "acme" });
    logger.info(
      { call: 'organization.getOrgBySlug({ slug: "acme" })', result: acme?.name ?? null },
      "sample call",
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
