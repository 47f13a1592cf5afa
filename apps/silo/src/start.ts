// A silo process: its database (migrated, seeded), the RPC runtime of its services, and the HTTP
// server that serves the services local to it. Any silo mode, from the environment. apps/silo's
// main runs it, and so does every app made with `turbo gen silo-app`, with its own name, version
// and defaults: one server to maintain, however many deployable apps.
import fs from "node:fs";
import os from "node:os";
import { repoRoot } from "@acme/config";
import {
  createDb,
  DEMO_REGIONS,
  describeDb,
  describeOpening,
  MONOLITH_SEED_SCOPE,
  type SeedScope,
  seedDemoData,
} from "@acme/db";
import { type OutboxMessage, outboxErrorText } from "@acme/outbox";
import { describeRedisUrl, loadSiloConfig, openReplayStore, type SiloConfig } from "@acme/rpc";
import { rpcSchema } from "@acme/services";
import { createAppRuntime, DEMO_REGION_CONFIG, followMappingChanges } from "@acme/services/runtime";
import { pino } from "pino";
import { loadSiloEnv, SILO_ENV_DEFAULTS, type SiloEnvDefaults } from "./env.ts";
import { SiloMetrics } from "./metrics.ts";
import { type OutboxName, OutboxStatus } from "./outbox-status.ts";
import { createSiloServer } from "./server.ts";
import { outgoingTraceHeaders } from "./trace.ts";

export interface SiloAppOptions {
  /** The app's name, in every log line (`app`). */
  readonly name: string;
  /** The app's package.json: its `version` is reported by /healthz. */
  readonly packageJson: URL;
  /** PORT and DATABASE_URL when the environment sets none. */
  readonly defaults?: SiloEnvDefaults;
}

// One drain options object serves both drains of a MONOLITH: a message says which outbox it is in.
const outboxOf = (message: OutboxMessage): OutboxName =>
  message.direction === "REGION_TO_CONTROL" ? "region" : "control";

function seedScope(config: SiloConfig): SeedScope | null {
  if (config.mode === "MONOLITH") return MONOLITH_SEED_SCOPE;
  if (config.mode === "CONTROL") return { control: true, regions: [] };
  const region = config.regionName ?? "";
  return (DEMO_REGIONS as readonly string[]).includes(region)
    ? { control: false, regions: [region] }
    : null;
}

async function start(options: SiloAppOptions): Promise<void> {
  const env = loadSiloEnv(process.env, options.defaults ?? SILO_ENV_DEFAULTS);
  const config = loadSiloConfig({ REGION_CONFIG: DEMO_REGION_CONFIG, ...process.env });
  const { version } = JSON.parse(fs.readFileSync(options.packageJson, "utf8")) as {
    version: string;
  };
  const silo = config.mode === "REGION" ? `region-${config.regionName}` : config.mode.toLowerCase();
  const logger = pino({ level: env.LOG_LEVEL, base: { app: options.name, silo } });
  const started = performance.now();
  // Opened beside the database. One line when the store stops answering, one when it is back.
  const replay = config.replay;
  const replayStoreName = replay.store === "memory" ? "memory" : describeRedisUrl(replay.url);
  const localCheck =
    replay.store !== "memory" && replay.whenUnavailable === "accept-with-local-check";
  if (localCheck) {
    logger.warn(
      { replayStore: replayStoreName },
      "RPC_REPLAY_STORE_UNAVAILABLE=accept-with-local-check: while the replay store is unreachable, this silo ACCEPTS signed requests checked only against its own memory, so a captured request can be replayed once to each other replica",
    );
  }
  const replayOpening = openReplayStore(replay, {
    onDown: (reason) =>
      logger.error(
        { replayStore: replayStoreName, reason },
        localCheck
          ? "replay store unreachable: ACCEPTING signed requests checked against this process's memory only (accept-with-local-check)"
          : "replay store unreachable: refusing signed requests (503) until it answers again",
      ),
    onUp: () =>
      logger.info(
        { replayStore: replayStoreName },
        "replay store reachable: signed requests are checked against it",
      ),
  });
  const db = await createDb(env.DATABASE_URL, { cwd: repoRoot });
  const replayStore = await replayOpening;

  const metrics = new SiloMetrics({ silo });
  const { runtime, client, outbox, mappings } = createAppRuntime({
    config,
    db,
    onMappingAnnounceError: (error) =>
      logger.warn({ error: String(error) }, "could not tell the other replicas a mapping changed"),
    onCall: (event) => metrics.made(event),
    outgoingHeaders: outgoingTraceHeaders,
    drain: {
      // Unique among live processes and the same after a restart: a silo killed while delivering
      // takes its shards back when it starts again, instead of waiting for their leases to end.
      ...(env.PORT === 0 ? {} : { owner: `${os.hostname()}:${env.PORT}` }),
      // Nothing is logged per delivery: the counter says how many.
      onDelivered: (message) => metrics.outboxDelivered(outboxOf(message), message.category),
      onFailed: (message, error, retryInMs) => {
        const outbox = outboxOf(message);
        metrics.outboxFailed(outbox, message.category);
        logger.warn(
          {
            outbox,
            category: message.category,
            shard: `${message.shard.scope}:${message.shard.id}`,
            ...(message.regionName === "" ? {} : { region: message.regionName }),
            messageId: message.id,
            attempts: message.attempts + 1,
            retryInMs,
            error: outboxErrorText(error),
          },
          "outbox delivery failed",
        );
      },
    },
  });
  const drains = outbox?.drains ?? [];
  const outboxes = new OutboxStatus(
    db,
    drains.map((drain) => drain.direction),
  );
  metrics.watchOutboxes(() => outboxes.read());
  // Every replica of this silo forgets a mapping that one of them changed.
  const mappingChanges = await followMappingChanges(db, mappings, (error) =>
    logger.warn({ error: String(error) }, "mapping changes: the LISTEN connection broke"),
  );
  const server = createSiloServer({
    runtime,
    db,
    logger,
    metrics,
    version,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    openapi: rpcSchema,
    outboxes,
    replayStore,
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    const { unfinished } = await server.shutdown();
    if (unfinished > 0)
      logger.warn({ unfinished }, "cut off requests still running at the shutdown timeout");
    // After the server (a request may still write a message and start its delivery), before the
    // database: deliveries in flight finish, what is left waits in the outbox for the next start.
    await Promise.all(drains.map((drain) => drain.stop()));
    await mappingChanges.close();
    await replayStore?.close();
    await db.$disconnect();
    logger.info("stopped: database closed");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const scope = seedScope(config);
  const seeded = env.SEED_DEMO_DATA && scope !== null ? await seedDemoData(db, scope) : null;
  const local = runtime.registry.services.filter((service) => runtime.isLocal(service));
  await runtime.registry.loadAll(local.map((service) => service.key));

  const address = await server.listen(env.PORT, env.HOST);
  // Once the local services are loaded (a MONOLITH delivers to them in process).
  for (const drain of drains) drain.start(env.OUTBOX_SWEEP_MS);
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    {
      url,
      mode: config.mode,
      region: config.regionName ?? null,
      regions: runtime.regionNames,
      database: describeDb(db),
      replayStore: replayStoreName,
      opened: describeOpening(db, seeded),
      localServices: local.map((service) => service.key),
      startupMs: Math.round(performance.now() - started),
    },
    "silo ready",
  );
  if (config.mode === "MONOLITH") {
    // One call through the typed client: where the seeded organization "acme" lives.
    const acme = await client.organizationMapping.getBySlug.query({ slug: "acme" });
    logger.info(
      {
        call: 'organizationMapping.getBySlug({ slug: "acme" })',
        result: acme === null ? null : `${acme.name} (${acme.regionName})`,
      },
      "sample call",
    );
  }
}

/** Starts the silo, or prints why it cannot (a bad variable, no database) and exits 1. */
export function runSilo(options: SiloAppOptions): void {
  start(options).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
