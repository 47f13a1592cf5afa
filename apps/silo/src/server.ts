// The silo's HTTP server: node:http, with the RPC endpoint on its fast path.
//
// Routes: POST /api/0/internal/rpc/{service}/{method}/  GET /healthz  GET /metrics  GET /openapi.json
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@acme/db";
import {
  createRpcEndpoint,
  nodeRpcHandler,
  RPC_PATH_PREFIX,
  requestHeaders,
  type SharedReplayStore,
  type SiloRuntime,
} from "@acme/rpc";
import type { Logger } from "pino";
import { type SiloMetrics, servedTarget } from "./metrics.ts";
import { type OutboxStatus, outboxHealth } from "./outbox-status.ts";
import { currentTrace, newTrace, runInTrace } from "./trace.ts";
import { TurnQueue } from "./turn-queue.ts";

export interface SiloServerOptions {
  readonly runtime: SiloRuntime;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: SiloMetrics;
  readonly version: string;
  /** How long shutdown waits for in-flight requests before cutting them off. */
  readonly shutdownTimeoutMs: number;
  /**
   * How long shutdown keeps serving, with /healthz answering 503 "draining" and every answer
   * closing its connection, before it stops accepting (default 0): time for a load balancer's
   * health checks to take this replica out, so that no request reaches a closed port.
   */
  readonly shutdownDrainMs?: number;
  /** The OpenAPI document served at GET /openapi.json. */
  readonly openapi?: () => unknown;
  /** This silo's outboxes: their backlog is /healthz's `outbox` field (never its status). */
  readonly outboxes?: OutboxStatus;
  /** The replay store this silo's replicas share (RPC_REPLAY_STORE), when it is not memory. */
  readonly replayStore?: SharedReplayStore | undefined;
}

export interface SiloServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Answers /healthz with 503 for `shutdownDrainMs`, then stops accepting, lets in-flight
   * requests finish (bounded), and closes every connection.
   */
  shutdown(): Promise<{ unfinished: number }>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

export function createSiloServer(options: SiloServerOptions): SiloServer {
  const { runtime, db, logger, metrics } = options;
  const { config } = runtime;
  const { replayStore } = options;
  const whenReplayUnavailable =
    config.replay.store === "memory" ? undefined : config.replay.whenUnavailable;
  const rpc = nodeRpcHandler(
    createRpcEndpoint(runtime, {
      replayStore,
      onError: (error, path) => {
        const trace = currentTrace();
        const log = {
          path,
          code: error.code,
          requestId: trace?.requestId,
          traceId: trace?.traceId,
        };
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ ...log, err: error.cause ?? error }, "rpc failed");
        else logger.info(log, "rpc error");
      },
    }),
  );
  // RPC work runs JOBS_PER_TURN requests per loop turn; /healthz and /metrics answer in the turn
  // they arrive.
  const turns = new TurnQueue();
  let openapiText: string | undefined;
  let inFlight = 0;
  metrics.watchInFlight(() => inFlight);
  let draining = false;
  let drained: (() => void) | undefined;

  const health = async () => {
    // Read beside the database check, not after it: both are bounded at 1 s.
    const outboxes = options.outboxes?.read();
    const replay = replayStore?.check();
    const started = performance.now();
    let database: { ok: boolean; latencyMs: number; error?: string };
    try {
      await Promise.race([
        db.$queryRaw`SELECT 1`,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("timed out after 1000 ms")), 1000).unref(),
        ),
      ]);
      database = { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      database = {
        ok: false,
        latencyMs: Math.round(performance.now() - started),
        error: (error as Error).message,
      };
    }
    const replayStoreHealth =
      replayStore === undefined
        ? { store: "memory" }
        : {
            store: replayStore.description,
            ...(await replay),
            whenUnavailable: whenReplayUnavailable,
          };
    // A silo that cannot reach its replay store refuses every signed request (503): the load
    // balancer should send them elsewhere. Not so when it is set to accept with a local check.
    const replayOk =
      !("ok" in replayStoreHealth) || replayStoreHealth.ok || whenReplayUnavailable !== "refuse";
    return {
      status: draining ? "draining" : database.ok && replayOk ? "ok" : "degraded",
      mode: config.mode,
      region: config.regionName ?? null,
      version: options.version,
      database,
      replayStore: replayStoreHealth,
      // A backlog never makes the silo unhealthy: the load balancer would pull a silo whose
      // peer is down, which does not help deliver anything.
      ...(outboxes === undefined ? {} : { outbox: outboxHealth(await outboxes) }),
    };
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    inFlight++;
    const header = requestHeaders(req);
    const trace = newTrace({
      traceparent: header("traceparent"),
      requestId: header("x-request-id"),
    });
    res.setHeader("x-request-id", trace.requestId);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    res.once("close", () => {
      inFlight--;
      const seconds = (performance.now() - started) / 1000;
      // A client that left before the answer was written is counted as 499 (CLIENT_CLOSED_REQUEST),
      // not as the 200 that `statusCode` still holds.
      const status = res.writableFinished ? res.statusCode : 499;
      if (path.startsWith(RPC_PATH_PREFIX))
        metrics.served(servedTarget(runtime, path), status, seconds);
      if (logger.isLevelEnabled("debug") || status >= 500) {
        logger[status >= 500 ? "warn" : "debug"](
          {
            method: req.method,
            path,
            status,
            durationMs: Math.round(seconds * 10_000) / 10,
            requestId: trace.requestId,
            traceId: trace.traceId,
          },
          "request",
        );
      }
      if (draining && inFlight === 0) drained?.();
    });
    // Shutting down: a keep-alive connection must not outlive this replica's last answer.
    if (draining) res.setHeader("connection", "close");
    // In its own trace: the queue runs it from another request's turn.
    if (path.startsWith(RPC_PATH_PREFIX))
      turns.run(() => runInTrace(trace, () => void rpc(req, res)));
    else
      runInTrace(trace, () => {
        if (req.method === "GET" && path === "/healthz") {
          void health().then((body) => json(res, body.status === "ok" ? 200 : 503, body));
        } else if (req.method === "GET" && path === "/openapi.json" && options.openapi) {
          openapiText ??= JSON.stringify(options.openapi());
          res.writeHead(200, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(openapiText),
          });
          res.end(openapiText);
        } else if (req.method === "GET" && path === "/metrics") {
          metrics.registry.metrics().then(
            (text) => {
              res.writeHead(200, { "content-type": metrics.registry.contentType });
              res.end(text);
            },
            (error: unknown) => {
              logger.error({ err: error }, "metrics failed");
              json(res, 500, {
                error: { code: "INTERNAL_SERVER_ERROR", message: "Metrics failed." },
              });
            },
          );
        } else {
          json(res, 404, {
            error: { code: "NOT_FOUND", message: `No route ${req.method} ${path}.` },
          });
        }
      });
  });
  // Slow or idle clients must not hold a worker forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    async shutdown() {
      draining = true;
      const drainMs = options.shutdownDrainMs ?? 0;
      if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, options.shutdownTimeoutMs).unref()),
        ]);
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
