// Start-up of real silo processes: time from spawn to /healthz answering 200, and RSS idle and
// under load, for the built silo (`node dist/main.js`, what `npm start` runs) beside the same
// silo from source under tsx, on PostgreSQL and on PGlite. Used by run.ts (npm run bench).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@acme/db";
import { freePort, healthz } from "@acme/rpc/probes";
import { driveRpc } from "./memory.ts";

const REPO = path.resolve(import.meta.dirname, "../..");
const SILO_SOURCE = path.join(REPO, "apps/silo/src/main.ts");
const SILO_DIST = path.join(REPO, "apps/silo/dist/main.js");
const BUILD_SCRIPT = path.join(REPO, "apps/silo/scripts/build.ts");
/** The baseline: a bare Node process that answers /healthz from node:http. */
const BARE_SERVER = `require("node:http").createServer((q,s)=>s.end("{}")).listen(Number(process.env.PORT),"127.0.0.1")`;

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

function procStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return mb(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0));
}

async function untilHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}):\n${output()}`);
    if ((await healthz(url))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface StartupSample {
  readonly name: string;
  /** Spawn to /healthz 200, ms: the median of the starts, and each start in order. */
  readonly readyMs: number;
  readonly starts: readonly number[];
  /** RSS 1 s after ready, MiB (last start). */
  readonly idleRssMb: number;
  /** RSS after the requests, and the peak over the process's life, MiB (last start). */
  readonly loadedRssMb?: number;
  readonly peakRssMb?: number;
}

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Sent this many requests after the last start (a silo), or none (the baseline). */
  readonly requests?: number;
}

async function measure(variant: Variant, starts: number, secret: string): Promise<StartupSample> {
  const times: number[] = [];
  let idleRssMb = 0;
  let loadedRssMb: number | undefined;
  let peakRssMb: number | undefined;
  for (let i = 0; i < starts; i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const began = performance.now();
    const child = spawn(process.execPath, variant.args, {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...variant.env, PORT: String(port), HOST: "127.0.0.1" },
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await untilHealthy(url, child, () => output);
      times.push(Math.round(performance.now() - began));
      if (i === starts - 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        idleRssMb = procStatus(child.pid ?? 0, "VmRSS");
        if (variant.requests !== undefined) {
          await driveRpc(url, secret, variant.requests);
          loadedRssMb = procStatus(child.pid ?? 0, "VmRSS");
          peakRssMb = procStatus(child.pid ?? 0, "VmHWM");
        }
      }
    } finally {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    name: variant.name,
    readyMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    starts: times,
    idleRssMb,
    ...(loadedRssMb === undefined ? {} : { loadedRssMb, peakRssMb }),
  };
}

export interface StartupReport {
  readonly loadAverage: readonly number[];
  readonly starts: number;
  readonly requests: number;
  readonly baseline: StartupSample;
  readonly silos: readonly StartupSample[];
  readonly skipped: readonly string[];
}

/**
 * The start-up section of `npm run bench` (`--startup` alone): a REGION silo, built and under
 * tsx, each started `starts` times on the same database (the first start of a new database
 * migrates it: its time is in `starts`, the median is a restart's), then loaded with `requests`.
 */
export async function startupSection(options: {
  readonly starts: number;
  readonly requests: number;
  readonly secret: string;
  readonly postgresServer: string | undefined;
}): Promise<StartupReport> {
  const { starts, requests, secret } = options;
  const built = spawnSync(process.execPath, ["--import", "tsx", BUILD_SCRIPT], {
    cwd: REPO,
    stdio: "inherit",
  });
  if (built.status !== 0) throw new Error("npm run build -w @acme/silo failed");
  const regionEnv = (databaseUrl: string) => ({
    SILO_MODE: "REGION",
    REGION_NAME: "us",
    RPC_SHARED_SECRET: secret,
    // Nothing listens there: the requests never leave the region.
    CONTROL_ADDRESS: "http://127.0.0.1:9",
    REGION_CONFIG: JSON.stringify([
      { name: "us", address: "http://127.0.0.1:9" },
      { name: "eu", address: "http://127.0.0.1:9" },
    ]),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    SEED_DEMO_DATA: "true",
  });
  const silo = (name: string, built: boolean, databaseUrl: string): Variant => ({
    name,
    args: built ? [SILO_DIST] : ["--import", "tsx", SILO_SOURCE],
    env: regionEnv(databaseUrl),
    requests,
  });
  const baseline = await measure(
    { name: "bare node:http (baseline)", args: ["-e", BARE_SERVER], env: {} },
    starts,
    secret,
  );
  const silos: StartupSample[] = [];
  const skipped: string[] = [];
  if (options.postgresServer === undefined) {
    skipped.push(
      "PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a server to measure it",
    );
  } else {
    const admin = await createDb(options.postgresServer, { migrate: false, poolSize: 1 });
    try {
      for (const built of [true, false]) {
        const name = `bench_startup_${process.pid}_${built ? "dist" : "tsx"}`;
        const url = new URL(options.postgresServer);
        url.pathname = `/${name}`;
        await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
        try {
          const label = built ? "PostgreSQL, node dist/main.js" : "PostgreSQL, tsx src/main.ts";
          silos.push(await measure(silo(label, built, url.toString()), starts, secret));
        } finally {
          await admin.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        }
      }
    } finally {
      await admin.$disconnect();
    }
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-startup-"));
  try {
    for (const built of [true, false]) {
      const label = built ? "PGlite, node dist/main.js" : "PGlite, tsx src/main.ts";
      const databaseUrl = path.join(dataDir, built ? "dist" : "tsx");
      silos.push(await measure(silo(label, built, databaseUrl), starts, secret));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    starts,
    requests,
    baseline,
    silos,
    skipped,
  };
}

/** The section's rows, in the format of run.ts's tables. */
export function startupRows(report: StartupReport): string[] {
  const ratio = (value: number, base: number) => `${Math.round((value / base) * 10) / 10}x`;
  const lines = [
    `\nStart-up: spawn to /healthz 200 (median of ${report.starts} starts on one database; the first, a new database, migrates), RSS 1 s after ready and after ${report.requests} requests, 8 at a time;`,
    `load average ${report.loadAverage.join(" ")} at the end. Goal for the built silo on PostgreSQL: under 2 s and 120 MB.\n`,
    `| ${"process".padEnd(30)} | ${"ready".padEnd(8)} | ${"each start".padEnd(22)} | ${"vs bare".padStart(7)} | ${"idle RSS".padEnd(9)} | ${"loaded".padEnd(9)} | ${"peak".padEnd(9)} | ${"vs bare".padStart(7)} |`,
    `|${"-".repeat(32)}|${"-".repeat(10)}|${"-".repeat(24)}|${"-".repeat(9)}|${"-".repeat(11)}|${"-".repeat(11)}|${"-".repeat(11)}|${"-".repeat(9)}|`,
  ];
  const { baseline } = report;
  for (const s of [baseline, ...report.silos]) {
    lines.push(
      `| ${s.name.padEnd(30)} | ${`${s.readyMs} ms`.padEnd(8)} | ${s.starts.join(", ").padEnd(22)} | ${ratio(s.readyMs, baseline.readyMs).padStart(7)} | ${`${s.idleRssMb} MB`.padEnd(9)} | ${(s.loadedRssMb === undefined ? "" : `${s.loadedRssMb} MB`).padEnd(9)} | ${(s.peakRssMb === undefined ? "" : `${s.peakRssMb} MB`).padEnd(9)} | ${ratio(s.idleRssMb, baseline.idleRssMb).padStart(7)} |`,
    );
  }
  for (const reason of report.skipped) lines.push(`skipped: ${reason}`);
  return lines;
}
