// Throughput through HAProxy with one and two replicas of the control silo (issue 14), beside
// the same load sent straight to one replica (the baseline): the balancer's cost, and what a
// second replica adds. On PostgreSQL (replicas share their silo's database); skipped without a
// server or without HAProxy. On a 2-core machine the load generator, HAProxy and the replicas
// share the cores, so a second replica cannot add much: the figure says what it costs, and the
// ratio is the one to re-measure on a machine with room for both replicas.
import { randomBytes } from "node:crypto";
import os from "node:os";
import { demoData } from "@acme/db";
import { rpcPath, signRequest } from "@acme/rpc";
import { haproxyInstalled } from "@acme/silo/load-balancer";
import { Topology } from "@acme/silo/topology";
import autocannon from "autocannon";
import { withPostgresDatabases } from "./databases.ts";
import { buildSilo } from "./silo-process.ts";

export interface ScaleRun {
  readonly target: string;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface ScaleReport {
  readonly runs: ScaleRun[];
  readonly skipped: string[];
  readonly loadAverage: number[];
  readonly settings: { connections: number; durationS: number; method: string };
}

const CONNECTIONS = 32;
const METHOD = "organizationMapping.getById";

export async function scaleSection({
  quick,
  postgresServer,
}: {
  quick: boolean;
  postgresServer: string | undefined;
}): Promise<ScaleReport> {
  const durationS = quick ? 3 : 6;
  const report = (runs: ScaleRun[], skipped: string[]): ScaleReport => ({
    runs,
    skipped,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    settings: { connections: CONNECTIONS, durationS, method: METHOD },
  });
  if (postgresServer === undefined) {
    return report(
      [],
      ["replicas: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server"],
    );
  }
  if (!haproxyInstalled()) return report([], ["replicas: HAProxy is not installed"]);

  buildSilo();
  return withPostgresDatabases(postgresServer, "bench_scale", ["control", "eu"], async (urlOf) => {
    const secret = randomBytes(24).toString("hex");
    let down: () => void = () => {};
    const controlDown = new Promise<void>((resolve) => (down = resolve));
    const topology = new Topology({
      regions: ["eu"],
      replicas: 2,
      // What a deployment runs: node dist/main.js, built at the start of this section.
      built: true,
      databases: urlOf,
      // What replicas need: one replay store for the silo (Redis on this machine).
      replayStore: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
      secret,
      logLevel: "warn",
      onLine: (_silo, line) => {
        if (line.includes("Server control/control-2 is DOWN")) down();
      },
    });
    try {
      await topology.start();
      const acme = demoData.organizations.find((org) => org.slug === "acme");
      const path = rpcPath("organizationMapping", "getById");
      const body = JSON.stringify({ args: { organizationId: acme?.id }, meta: {} });
      // Signed ahead (each request needs its own nonce), so the load generator only sends.
      const bytes = Buffer.from(body);
      const signOne = () => signRequest(secret, path, bytes, { budgetMs: 5000 });
      const pool = Array.from({ length: quick ? 60_000 : 150_000 }, signOne);
      let next = 0;
      const measure = async (target: string, url: string): Promise<ScaleRun> => {
        const result = await autocannon({
          url: `${url}${path}`,
          connections: CONNECTIONS,
          duration: durationS,
          pipelining: 1,
          requests: [
            {
              method: "POST",
              body,
              setupRequest: (request) => ({
                ...request,
                headers: {
                  "content-type": "application/json",
                  ...(pool[next++ % pool.length] ?? signOne()),
                },
              }),
            },
          ],
        });
        return {
          target,
          rps: Math.round(result.requests.average),
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
        };
      };
      // Warm-up: both replicas compile their hot paths before anything is measured.
      await measure("warm-up", topology.url("control"));
      const runs: ScaleRun[] = [];
      runs.push(await measure("HAProxy, 2 replicas", topology.url("control")));
      await topology.stop("control#2");
      await controlDown;
      runs.push(await measure("HAProxy, 1 replica", topology.url("control")));
      runs.push(await measure("one replica, no balancer (baseline)", topology.url("control#1")));
      return report(runs, []);
    } finally {
      await topology.stop();
    }
  });
}

export function scaleRows(report: ScaleReport): string[] {
  const rows = [
    "",
    `replicas of the control silo on PostgreSQL, ${report.settings.method} (${report.settings.connections} connections, ${report.settings.durationS} s each; load average ${report.loadAverage.join(" ")}):`,
  ];
  const baseline = report.runs.find((run) => run.target.endsWith("(baseline)"));
  for (const run of report.runs) {
    const ratio =
      baseline === undefined
        ? ""
        : ` (${Math.round((run.rps / baseline.rps) * 100) / 100}x the baseline)`;
    rows.push(
      `  ${run.target}: ${run.rps} req/s${ratio}, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, errors ${run.errors}`,
    );
  }
  for (const line of report.skipped) rows.push(`  skipped: ${line}`);
  return rows;
}
