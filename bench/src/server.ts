// One benchmark server, in its own process: `silo` (the silo server: signature check, routing,
// validation, metrics), `silo-redis` (the same, its nonces in the Redis named by argv[3] under
// the prefix argv[4], removed when it stops), `trpc` (tRPC's standalone adapter) or `bare`
// (node:http, fixed JSON, after reading the body); `demo-trpc <database url>` and
// `demo-bare <database url>` serve a demo method (demo-servers.ts).
import http from "node:http";
import {
  openReplayStore,
  type ReplayConfig,
  ServiceRegistry,
  type SharedReplayStore,
  SiloRuntime,
  siloConfig,
} from "@acme/rpc";
import { SiloMetrics } from "@acme/silo/metrics";
import { createSiloServer } from "@acme/silo/server";
import { createClient } from "@redis/client";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { pino } from "pino";
import { ARGS, entries, plainRouter } from "./service.ts";

export const BENCH_SECRET = "bench-secret-not-for-production";

const kind = process.argv[2];
let server: http.Server;
let stop = async () => {};
if (kind === "silo" || kind === "silo-redis") {
  const replay: ReplayConfig =
    kind === "silo"
      ? { store: "memory" }
      : {
          store: "redis",
          url: process.argv[3] ?? "redis://127.0.0.1:6379",
          prefix: process.argv[4] ?? `bench:replay:${process.pid}:`,
          timeoutMs: 250,
          whenUnavailable: "refuse",
        };
  const replayStore: SharedReplayStore | undefined = await openReplayStore(replay);
  if (replay.store === "redis") {
    const { url, prefix } = replay;
    stop = async () => {
      await replayStore?.close();
      const redis = await createClient({ url }).connect();
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
        if (keys.length > 0) await redis.unlink(keys);
      await redis.close();
    };
  }
  const runtime = new SiloRuntime({
    config: siloConfig({ mode: "CONTROL", secrets: [BENCH_SECRET], regions: [], replay }),
    registry: new ServiceRegistry(entries),
    mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
    createContext: () => ({}),
  });
  await runtime.registry.loadAll();
  const silo = createSiloServer({
    runtime,
    // Only /healthz reads the database; the benchmark does not call it.
    db: {} as never,
    logger: pino({ level: "warn" }),
    metrics: new SiloMetrics({ silo: "bench" }),
    version: "bench",
    shutdownTimeoutMs: 1000,
    replayStore,
  });
  server = silo.server;
  // demo:start
} else if (kind === "demo-trpc" || kind === "demo-bare") {
  const { demoServer } = await import("./demo-servers.ts");
  const demo = await demoServer(kind, process.argv[3] ?? "");
  server = demo.server;
  stop = demo.stop;
  // demo:end
} else if (kind === "trpc") {
  // A query over POST (allowMethodOverride), as the silo's calls are: the load generator sends
  // every target the same method and a body, so none is spared reading one.
  server = createHTTPServer({ router: plainRouter, allowMethodOverride: true });
} else if (kind === "bare") {
  const body = JSON.stringify({
    value: { ...ARGS, upper: ARGS.name.toUpperCase(), at: "2026-01-01T00:00:00.000Z" },
    meta: {},
  });
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
} else {
  throw new Error("usage: server.ts silo|silo-redis <url> <prefix>|trpc|bare");
}
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
const exit = () => void stop().finally(() => process.exit(0));
process.on("SIGTERM", exit);
process.on("SIGINT", exit);
