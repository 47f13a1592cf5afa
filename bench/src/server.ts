// One benchmark server, in its own process: `silo` (the silo server: signature check, routing,
// validation, metrics), `trpc` (tRPC's standalone adapter) or `bare` (node:http, fixed JSON).
import http from "node:http";
import { ServiceRegistry, SiloRuntime, siloConfig } from "@acme/rpc";
import { SiloMetrics } from "@acme/silo/metrics";
import { createSiloServer } from "@acme/silo/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { pino } from "pino";
import { ARGS, entries, plainRouter } from "./service.ts";

export const BENCH_SECRET = "bench-secret-not-for-production";

const kind = process.argv[2];
let server: http.Server;
if (kind === "silo") {
  const runtime = new SiloRuntime({
    config: siloConfig({ mode: "CONTROL", secrets: [BENCH_SECRET], regions: [] }),
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
  });
  server = silo.server;
} else if (kind === "trpc") {
  server = createHTTPServer({ router: plainRouter });
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
  throw new Error("usage: server.ts silo|trpc|bare");
}
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
