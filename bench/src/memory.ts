// Memory of real silo processes: idle after start, after N signed requests, and after a forced
// GC; and of bare Node processes as the baseline. Used by run.ts (npm run bench).
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { rpcPath, signRequest } from "@acme/rpc";
import { withPostgresDatabases } from "./databases.ts";
import {
  buildSilo,
  type Measured,
  type MemorySample,
  regionSiloEnv,
  SILO_DIST,
  SILO_SOURCE,
  seedRegion,
  startMeasured,
} from "./silo-process.ts";

export type { MemorySample };

/** A Node process that has loaded `imports` (nothing: bare Node), measured after a GC. */
export async function importedBaseline(
  nodeArgs: readonly string[],
  imports: readonly string[] = [],
): Promise<MemorySample> {
  const script = `${imports.map((name) => `await import(${JSON.stringify(name)});`).join("")}console.log("loaded");setInterval(()=>{},1e6);`;
  const measured = await startMeasured({
    args: [...nodeArgs, "--input-type=module", "-e", script],
    ready: /^loaded$/,
    heap: true,
  });
  try {
    return await measured.sample({ gc: true });
  } finally {
    await measured.stop();
  }
}

/** A REGION silo ("us") alone, from apps/silo's main, on this database; ready at /healthz. */
export function startRegionSilo(options: {
  readonly databaseUrl: string;
  readonly secret: string;
  /** Node arguments before the entry point (default: `--import tsx`, like `npm run start:tsx`). */
  readonly nodeArgs?: readonly string[];
  readonly entry?: string;
}): Promise<Measured> {
  return startMeasured({
    args: [...(options.nodeArgs ?? ["--import", "tsx"]), options.entry ?? SILO_SOURCE],
    env: regionSiloEnv({ ...options, logLevel: "info" }),
    heap: true,
  });
}

/**
 * Sends `count` requests to the silo's RPC endpoint, `concurrency` at a time, over keep-alive
 * connections: a mix of valid signed reads (found, not found), invalid input, unknown methods
 * (a new name each time: they must not grow the metrics' label sets) and bad signatures.
 * Returns how many answered with each status.
 */
export async function driveRpc(
  url: string,
  secret: string,
  count: number,
  concurrency = 8,
): Promise<Record<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<number, number> = {};
  const target = new URL(url);
  const request = (i: number): { path: string; body: Buffer; headers: Record<string, string> } => {
    const kind = i % 6;
    let rpc = rpcPath("organization", "getOrgBySlug");
    let args: unknown = { slug: "acme" };
    if (kind === 1) {
      rpc = rpcPath("organization", "getOrganizationById");
      args = { organizationId: randomUUID() };
    } else if (kind === 2) args = { slug: "" };
    else if (kind === 3) rpc = `/api/0/internal/rpc/nothing${i}/method${i}/`;
    else if (kind === 4) {
      rpc = rpcPath("organization", "listMembers");
      args = { organizationId: randomUUID() };
    }
    const body = Buffer.from(JSON.stringify({ args, meta: {} }));
    const headers = signRequest(kind === 5 ? "not-the-secret" : secret, rpc, body);
    return { path: rpc, body, headers };
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const { path: requestPath, body, headers } = request(next++);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: "POST",
            path: requestPath,
            agent,
            headers: {
              ...headers,
              "content-type": "application/json",
              "content-length": body.byteLength,
            },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return statuses;
}

export interface SiloMemory {
  readonly name: string;
  readonly idle: MemorySample;
  /** After a forced GC, idle, then after half the requests and after all of them. */
  readonly idleAfterGc: MemorySample;
  readonly halfway: MemorySample;
  readonly after: MemorySample;
  readonly peakRssMb: number;
  readonly statuses: Record<number, number>;
}

/** Starts one silo, measures it idle and under `requests` requests, and stops it. */
export async function measureSilo(
  name: string,
  options: Parameters<typeof startRegionSilo>[0] & { readonly requests: number },
): Promise<SiloMemory> {
  const silo = await startRegionSilo(options);
  try {
    const idle = await silo.sample();
    const idleAfterGc = await silo.sample({ gc: true });
    const half = Math.floor(options.requests / 2);
    const first = await driveRpc(silo.url, options.secret, half);
    const halfway = await silo.sample({ gc: true });
    const second = await driveRpc(silo.url, options.secret, options.requests - half);
    const after = await silo.sample({ gc: true });
    const statuses: Record<number, number> = { ...first };
    for (const [status, n] of Object.entries(second))
      statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
    return { name, idle, idleAfterGc, halfway, after, peakRssMb: silo.peakRssMb(), statuses };
  } finally {
    await silo.stop();
  }
}

export interface MemoryReport {
  readonly loadAverage: readonly number[];
  readonly requests: number;
  readonly bareNode: MemorySample;
  readonly tsxLoader: MemorySample;
  readonly silos: readonly SiloMemory[];
  readonly skipped: readonly string[];
}

/**
 * The memory section of `npm run bench`: bare Node and Node with tsx's loader as baselines, then
 * a REGION silo on PGlite (tsx, as `npm run start:tsx`), and on PostgreSQL (tsx, and the built
 * `dist/`) when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server.
 */
export async function memorySection(options: {
  readonly requests: number;
  readonly secret: string;
  readonly postgresServer: string | undefined;
}): Promise<MemoryReport> {
  const { requests, secret } = options;
  const bareNode = await importedBaseline([]);
  const tsxLoader = await importedBaseline(["--import", "tsx"]);
  const silos: SiloMemory[] = [];
  const skipped: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-memory-"));
  try {
    await seedRegion(path.join(dataDir, "region-us"));
    silos.push(
      await measureSilo("PGlite, tsx", {
        databaseUrl: path.join(dataDir, "region-us"),
        secret,
        requests,
      }),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (options.postgresServer === undefined) {
    skipped.push(
      "PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a server to measure it",
    );
  } else {
    buildSilo();
    await withPostgresDatabases(options.postgresServer, "bench_memory", ["us"], async (urlOf) => {
      const databaseUrl = urlOf("us");
      await seedRegion(databaseUrl);
      silos.push(await measureSilo("PostgreSQL, tsx", { databaseUrl, secret, requests }));
      silos.push(
        await measureSilo("PostgreSQL, node dist/main.js", {
          databaseUrl,
          secret,
          requests,
          nodeArgs: [],
          entry: SILO_DIST,
        }),
      );
    });
  }
  return {
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    requests,
    bareNode,
    tsxLoader,
    silos,
    skipped,
  };
}

/** The section's rows, in the format of run.ts's table. */
export function memoryRows(report: MemoryReport): string[] {
  const rss = (s: MemorySample) => `${s.rssMb} MB`;
  const lines = [
    `\nMemory (RSS; heap used, external after a forced GC; ${report.requests} requests per silo, 8 at a time;`,
    `load average ${report.loadAverage.join(" ")} at the end)\n`,
    `| ${"process".padEnd(32)} | ${"idle".padEnd(40)} | ${`after ${report.requests}`.padEnd(22)} | ${"2nd half".padEnd(9)} | ${"peak".padEnd(9)} | ${"vs bare".padStart(7)} |`,
    `|${"-".repeat(34)}|${"-".repeat(42)}|${"-".repeat(24)}|${"-".repeat(11)}|${"-".repeat(11)}|${"-".repeat(9)}|`,
  ];
  const row = (name: string, idle: string, after: string, half: string, peak: string, r: string) =>
    `| ${name.padEnd(32)} | ${idle.padEnd(40)} | ${after.padEnd(22)} | ${half.padEnd(9)} | ${peak.padEnd(9)} | ${r.padStart(7)} |`;
  const vsBare = (mb: number) => `${Math.round((mb / report.bareNode.rssMb) * 100) / 100}x`;
  lines.push(row("bare node (baseline)", rss(report.bareNode), "", "", "", "1x"));
  lines.push(
    row("node --import tsx", rss(report.tsxLoader), "", "", "", vsBare(report.tsxLoader.rssMb)),
  );
  for (const silo of report.silos) {
    const idle = `${silo.idleAfterGc.rssMb} MB (heap ${silo.idleAfterGc.heapUsedMb}, ext ${silo.idleAfterGc.externalMb})`;
    const after = `${silo.after.rssMb} MB (heap ${silo.after.heapUsedMb})`;
    const half = `${Math.round((silo.after.rssMb - silo.halfway.rssMb) * 10) / 10} MB`;
    lines.push(
      row(silo.name, idle, after, half, `${silo.peakRssMb} MB`, vsBare(silo.idleAfterGc.rssMb)),
    );
  }
  for (const reason of report.skipped) lines.push(`skipped: ${reason}`);
  return lines;
}
