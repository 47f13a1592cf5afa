// Start-up of real silo processes: time from spawn to /healthz answering 200, and RSS idle and
// under load, for the built silo (`node dist/main.js`, what `npm start` runs) beside the same
// silo from source under tsx, on PostgreSQL and on PGlite. Used by run.ts (npm run bench).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { withPostgresDatabases } from "./databases.ts";
import { driveRpc } from "./memory.ts";
import {
  buildSilo,
  regionSiloEnv,
  SILO_DIST,
  SILO_SOURCE,
  seedRegion,
  startMeasured,
} from "./silo-process.ts";

/** The baseline: a bare Node process that answers /healthz from node:http. */
const BARE_SERVER = `require("node:http").createServer((q,s)=>s.end("{}")).listen(Number(process.env.PORT),"127.0.0.1")`;

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
  /** Loads the data the requests read, after the first start (which migrated the database). */
  readonly seed?: () => Promise<void>;
}

async function measure(variant: Variant, starts: number, secret: string): Promise<StartupSample> {
  const times: number[] = [];
  let idleRssMb = 0;
  let loadedRssMb: number | undefined;
  let peakRssMb: number | undefined;
  for (let i = 0; i < starts; i++) {
    const began = performance.now();
    const silo = await startMeasured({ args: variant.args, env: variant.env });
    try {
      times.push(Math.round(performance.now() - began));
      if (i === starts - 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        idleRssMb = silo.rssMb();
        if (variant.requests !== undefined) {
          await driveRpc(silo.url, secret, variant.requests);
          loadedRssMb = silo.rssMb();
          peakRssMb = silo.peakRssMb();
        }
      }
    } finally {
      await silo.stop();
    }
    // The first start migrated the new database; the demo data the requests read goes in now.
    if (i === 0) await variant.seed?.();
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
  buildSilo();
  const silo = (name: string, built: boolean, databaseUrl: string): Variant => ({
    name,
    args: built ? [SILO_DIST] : ["--import", "tsx", SILO_SOURCE],
    env: regionSiloEnv({ secret, databaseUrl }),
    requests,
    seed: () => seedRegion(databaseUrl),
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
    for (const built of [true, false]) {
      const label = built ? "PostgreSQL, node dist/main.js" : "PostgreSQL, tsx src/main.ts";
      const prefix = `bench_startup_${built ? "dist" : "tsx"}`;
      await withPostgresDatabases(options.postgresServer, prefix, ["us"], async (urlOf) => {
        silos.push(await measure(silo(label, built, urlOf("us")), starts, secret));
      });
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
    `\nStart-up: spawn to /healthz 200 (median of ${report.starts} starts on one database; the first, a new database, migrates; configured as the image runs it: no demo data loaded at start), RSS 1 s after ready and after ${report.requests} requests, 8 at a time;`,
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
