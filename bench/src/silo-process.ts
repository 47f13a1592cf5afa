// One silo process under measurement, for the memory and start-up sections of npm run bench: the
// silo's entry points (from source under tsx, and built), its REGION environment, a PostgreSQL
// database of its own, and a spawned process with its RSS read from /proc and, when asked, its
// heap read over IPC. (Its databases: databases.ts.)
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createDb, seedDemoData } from "@acme/db";
import { freePort, healthz } from "@acme/rpc/probes";

export const REPO = path.resolve(import.meta.dirname, "../..");
/** apps/silo's process from source, as `npm run start:tsx -w @acme/silo` runs it (through tsx). */
export const SILO_SOURCE = path.join(REPO, "apps/silo/src/main.ts");
/** The same, built to JavaScript by `npm run build -w @acme/silo` (what `npm start` runs). */
export const SILO_DIST = path.join(REPO, "apps/silo/dist/main.js");

/** `npm run build -w @acme/silo`: apps/silo/dist from the current source. */
export function buildSilo(): void {
  const built = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(REPO, "apps/silo/scripts/build.ts")],
    { cwd: REPO, stdio: "inherit" },
  );
  if (built.status !== 0) throw new Error("npm run build -w @acme/silo failed");
}

/**
 * A REGION silo ("us") alone, configured as the production image runs it (no demo data loaded at
 * start: `seedRegion` loads it beforehand, so that loading does not count in the figures); the
 * requests it is sent never leave the region.
 */
export function regionSiloEnv(options: {
  readonly secret: string;
  readonly databaseUrl: string;
  readonly logLevel?: string;
}): Record<string, string> {
  return {
    SILO_MODE: "REGION",
    REGION_NAME: "us",
    RPC_SHARED_SECRET: options.secret,
    // Nothing listens there.
    CONTROL_ADDRESS: "http://127.0.0.1:9",
    REGION_CONFIG: JSON.stringify([
      { name: "us", address: "http://127.0.0.1:9" },
      { name: "eu", address: "http://127.0.0.1:9" },
    ]),
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel ?? "warn",
    SEED_DEMO_DATA: "false",
  };
}

/** Migrates the database and loads region us's demo data (organization `acme`, ...) into it. */
export async function seedRegion(databaseUrl: string): Promise<void> {
  const db = await createDb(databaseUrl, { poolSize: 1 });
  try {
    await seedDemoData(db, { control: false, regions: ["us"] });
  } finally {
    await db.$disconnect();
  }
}

export interface MemorySample {
  /** MiB, one decimal. */
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

/** A process's RSS now (VmRSS) or its peak so far (VmHWM), MiB, from /proc/<pid>/status. */
export function procMemoryMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return mb(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024);
}

/** CPU time a process has used so far (user + system), µs, from /proc/<pid>/stat. */
export function procCpuUs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses: clock ticks.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/**
 * Loaded before the measured program: answers a "memory" message on the IPC channel with
 * process.memoryUsage(), after a full GC when asked (the process runs with --expose-gc).
 */
const PROBE = `data:text/javascript,${encodeURIComponent(
  'process.on("message",(m)=>{if(m&&m.memory){if(m.gc)globalThis.gc();process.send({memory:process.memoryUsage()})}});process.channel?.unref();',
)}`;

export interface Measured {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<PORT>`: the port it was given. */
  readonly url: string;
  /** Its first 200 output lines. */
  readonly lines: string[];
  /** process.memoryUsage() over IPC, after a full GC when asked (only with `heap: true`). */
  sample(options?: { gc?: boolean }): Promise<MemorySample>;
  /** RSS now (VmRSS) and the peak so far (VmHWM), MiB. */
  rssMb(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * Starts `node [args]` on a free PORT and resolves once it is ready: when a line of its output
 * matches `ready`, else when GET /healthz answers 200. `heap` loads the IPC probe that `sample`
 * needs (with --expose-gc); without it the process is exactly what `args` says.
 */
export async function startMeasured(options: {
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly ready?: RegExp;
  readonly heap?: boolean;
}): Promise<Measured> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    [...(options.heap ? ["--expose-gc", "--import", PROBE] : []), ...options.args],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe", ...(options.heap ? (["ipc"] as const) : [])],
      env: { ...process.env, ...options.env, PORT: new URL(url).port, HOST: "127.0.0.1" },
    },
  );
  const lines: string[] = [];
  let matched = false;
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    readline.createInterface({ input: stream }).on("line", (line) => {
      if (lines.length < 200) lines.push(line);
      if (options.ready?.test(line)) matched = true;
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = async () =>
    options.ready === undefined ? (await healthz(url))?.status === 200 : matched;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${options.args.join(" ")} exited (${child.exitCode ?? child.signalCode}):\n${lines.join("\n")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    child,
    url,
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
    rssMb: () => procMemoryMb(child.pid as number, "VmRSS"),
    peakRssMb: () => procMemoryMb(child.pid as number, "VmHWM"),
    stop,
  };
}
