// Memory of real silo processes: idle after start, after N signed requests, and after a forced
// GC; and of bare Node processes as the baseline. Used by run.ts (npm run bench).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { createDb } from "@acme/db";
import { rpcPath, signRequest } from "@acme/rpc";

const REPO = path.resolve(import.meta.dirname, "../..");
/** apps/silo's process from source, as `npm run start:tsx -w @acme/silo` runs it (through tsx). */
export const SILO_MAIN = path.join(REPO, "apps/silo/src/main.ts");
/** The same, built to JavaScript by `npm run build -w @acme/silo` (what `npm start` runs). */
const SILO_DIST_MAIN = path.join(REPO, "apps/silo/dist/main.js");
const BUILD_SCRIPT = path.join(REPO, "apps/silo/scripts/build.ts");

/**
 * Loaded before the measured program: answers a "memory" message on the IPC channel with
 * process.memoryUsage(), after a full GC when asked (the process runs with --expose-gc).
 */
const PROBE = `data:text/javascript,${encodeURIComponent(
  'process.on("message",(m)=>{if(m&&m.memory){if(m.gc)globalThis.gc();process.send({memory:process.memoryUsage()})}});process.channel?.unref();',
)}`;

export interface MemorySample {
  /** MiB, one decimal. */
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

export interface Probed {
  readonly child: ChildProcess;
  readonly lines: string[];
  sample(options?: { gc?: boolean }): Promise<MemorySample>;
  /** Peak RSS of the process so far (VmHWM), MiB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] script [args]` with the probe and waits until a line matches `ready`. */
export async function startProbed(options: {
  readonly nodeArgs: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly ready: RegExp;
}): Promise<Probed> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", PROBE, ...options.nodeArgs], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, ...options.env },
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  await new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream }).on("line", (line) => {
        if (lines.length < 200) lines.push(line);
        if (options.ready.test(line)) resolve();
      });
    }
    void exited.then((code) =>
      reject(new Error(`${options.nodeArgs.join(" ")} exited (${code}):\n${lines.join("\n")}`)),
    );
  });
  return {
    child,
    lines,
    sample: ({ gc = false } = {}) =>
      new Promise((resolve) => {
        child.once("message", (message: { memory: NodeJS.MemoryUsage }) => {
          const m = message.memory;
          resolve({
            rssMb: mb(m.rss),
            heapUsedMb: mb(m.heapUsed),
            heapTotalMb: mb(m.heapTotal),
            externalMb: mb(m.external),
            arrayBuffersMb: mb(m.arrayBuffers),
          });
        });
        child.send({ memory: true, gc });
      }),
    peakRssMb: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      return mb(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Node process that has loaded `imports` (nothing: bare Node), measured after a GC. */
export async function importedBaseline(
  nodeArgs: readonly string[],
  imports: readonly string[] = [],
): Promise<MemorySample> {
  const script = `${imports.map((name) => `await import(${JSON.stringify(name)});`).join("")}console.log("loaded");setInterval(()=>{},1e6);`;
  const probed = await startProbed({
    nodeArgs: [...nodeArgs, "--input-type=module", "-e", script],
    ready: /^loaded$/,
  });
  try {
    return await probed.sample({ gc: true });
  } finally {
    await probed.stop();
  }
}

export interface SiloUnderTest extends Probed {
  readonly url: string;
}

/** A REGION silo ("us") alone, from apps/silo's main, on this database. */
export async function startRegionSilo(options: {
  readonly databaseUrl: string;
  readonly secret: string;
  /** Node arguments before the entry point (default: `--import tsx`, like `npm run start:tsx`). */
  readonly nodeArgs?: readonly string[];
  readonly entry?: string;
}): Promise<SiloUnderTest> {
  const probed = await startProbed({
    nodeArgs: [...(options.nodeArgs ?? ["--import", "tsx"]), options.entry ?? SILO_MAIN],
    ready: /"msg":"silo ready"/,
    env: {
      SILO_MODE: "REGION",
      REGION_NAME: "us",
      RPC_SHARED_SECRET: options.secret,
      // Nothing listens there: the requests below never leave the region.
      CONTROL_ADDRESS: "http://127.0.0.1:9",
      REGION_CONFIG: JSON.stringify([
        { name: "us", address: "http://127.0.0.1:9" },
        { name: "eu", address: "http://127.0.0.1:9" },
      ]),
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: "info",
      SEED_DEMO_DATA: "true",
    },
  });
  const ready = probed.lines.find((line) => line.includes('"msg":"silo ready"')) ?? "";
  const url = (JSON.parse(ready) as { url: string }).url;
  return { ...probed, url };
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
    silos.push(
      await measureSilo("PGlite, tsx (first start)", {
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
    const built = spawnSync(process.execPath, ["--import", "tsx", BUILD_SCRIPT], {
      cwd: REPO,
      stdio: "inherit",
    });
    if (built.status !== 0) throw new Error("npm run build -w @acme/silo failed");
    const admin = await createDb(options.postgresServer, { migrate: false, poolSize: 1 });
    const name = `bench_memory_${process.pid}`;
    const url = new URL(options.postgresServer);
    url.pathname = `/${name}`;
    await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
    try {
      const databaseUrl = url.toString();
      silos.push(await measureSilo("PostgreSQL, tsx", { databaseUrl, secret, requests }));
      silos.push(
        await measureSilo("PostgreSQL, node dist/main.js", {
          databaseUrl,
          secret,
          requests,
          nodeArgs: [],
          entry: SILO_DIST_MAIN,
        }),
      );
    } finally {
      await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.$disconnect();
    }
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
