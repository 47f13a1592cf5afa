// npm run dev:multi: a control silo and two region silos (us, eu) as separate processes on
// loopback ports, each with its own database, migrated and seeded so that each organization
// lives in its region's database and its mapping in control's. Ctrl-C stops them all cleanly.
// npm run dev:scale (--scale): the same silos, built (node dist/main.js), each as 2 replicas on its
// own PostgreSQL database behind HAProxy, as a team deploys them.
import { spawn } from "node:child_process";
import readline from "node:readline";
import { envFlag, loadEnv, repoRoot } from "@acme/config";
import { createDb, redactDatabaseUrl } from "@acme/db";
import { z } from "zod";
import { DEV_RPC_SECRET } from "./dev-multi-secret.ts";
import { haproxyInstalled } from "./load-balancer.ts";
import { Topology } from "./topology.ts";

const env = loadEnv(
  z.object({
    MULTI_BASE_PORT: z.coerce.number().int().min(1).max(65532).default(8000),
    CONTROL_DATABASE_URL: z.string().optional(),
    US_DATABASE_URL: z.string().optional(),
    EU_DATABASE_URL: z.string().optional(),
    RPC_SHARED_SECRET: z.string().min(1).default(DEV_RPC_SECRET),
    /** Start the admin app as the silos' client (default true; the browser tests start their own). */
    MULTI_ADMIN: envFlag.default(true),
    LOG_LEVEL: z.string().default("info"),
    /** dev:scale: the PostgreSQL server on which each silo gets a database (silo_scale_<name>). */
    DATABASE_SERVER_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/postgres"),
    /** dev:scale: the replay store the replicas of each silo share. */
    REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
    /** dev:scale: processes per silo. */
    SCALE_REPLICAS: z.coerce.number().int().min(1).max(8).default(2),
  }),
);
const scale = process.argv.includes("--scale");

const databases: Record<string, string> = {
  control: env.CONTROL_DATABASE_URL ?? ".data/multi/control",
  us: env.US_DATABASE_URL ?? ".data/multi/us",
  eu: env.EU_DATABASE_URL ?? ".data/multi/eu",
};
let replicas = 1;
if (scale) {
  if (!haproxyInstalled()) {
    console.error(
      "npm run dev:scale needs HAProxy in front of the replicas: apt-get install -y haproxy",
    );
    process.exit(1);
  }
  // Replicas share their silo's database: one PostgreSQL database per silo, made if missing.
  try {
    const server = await createDb(env.DATABASE_SERVER_URL, { migrate: false, poolSize: 1 });
    try {
      for (const name of ["control", "us", "eu"]) {
        const url = new URL(env.DATABASE_SERVER_URL);
        url.pathname = `/silo_scale_${name}`;
        const [found] = await server.$queryRawUnsafe<unknown[]>(
          "SELECT 1 FROM pg_database WHERE datname = $1",
          `silo_scale_${name}`,
        );
        if (found === undefined)
          await server.$executeRawUnsafe(`CREATE DATABASE silo_scale_${name}`);
        databases[name] = url.toString();
      }
    } finally {
      await server.$disconnect();
    }
    replicas = env.SCALE_REPLICAS;
  } catch (error) {
    console.log(
      `No PostgreSQL server at ${redactDatabaseUrl(env.DATABASE_SERVER_URL)} (${error instanceof Error ? error.message : error}): one replica per silo on its embedded database, behind HAProxy. Set DATABASE_SERVER_URL for replicas.`,
    );
  }
}

/** One readable line per JSON log line: `[eu     ] silo ready url=... mode=REGION`. */
function show(silo: string, line: string): void {
  let text = line;
  try {
    const {
      level: _l,
      time: _t,
      silo: _s,
      msg,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    text = [
      msg,
      ...Object.entries(fields).map(
        ([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`,
      ),
    ].join(" ");
  } catch {
    // not JSON: print as it is
  }
  console.log(`[${silo.padEnd(7)}] ${text}`);
}

const base = env.MULTI_BASE_PORT;
const started = performance.now();
console.log(
  `Starting control, us and eu silos${scale ? `, ${replicas} replica(s) each behind HAProxy` : ""}...`,
);
const topology = new Topology({
  ports: { control: base, us: base + 1, eu: base + 2 },
  replicas,
  loadBalancer: scale,
  // dev:scale runs what a deployment runs: the build (its npm script builds first).
  built: scale,
  ...(replicas > 1 ? { replayStore: env.REDIS_URL } : {}),
  checkIntervalMs: 1000,
  databases: (name) => databases[name] as string,
  secret: env.RPC_SHARED_SECRET,
  logLevel: env.LOG_LEVEL,
  onLine: show,
});

// The admin app, as a CONTROL-silo client of the three (it runs no service and opens no database).
// It starts beside the silos: its first page compiles while they open their databases.
function startAdmin() {
  const child = spawn("npm", ["run", "dev", "-w", "@acme/admin"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SILO_MODE: "CONTROL",
      CONTROL_ADDRESS: topology.url("control"),
      REGION_CONFIG: JSON.stringify(topology.regionConfig),
      RPC_SHARED_SECRET: env.RPC_SHARED_SECRET,
    },
  });
  for (const stream of [child.stdout, child.stderr]) {
    readline
      .createInterface({ input: stream })
      .on("line", (line) => console.log(`[admin  ] ${line}`));
  }
  return { child, exited: new Promise((resolve) => child.once("exit", resolve)) };
}
const admin = env.MULTI_ADMIN ? startAdmin() : undefined;

let stopping = false;
const stop = async (exitCode = 0) => {
  if (stopping) return;
  stopping = true;
  console.log("Stopping every silo and the admin app...");
  if (admin !== undefined && admin.child.exitCode === null) admin.child.kill("SIGTERM");
  await Promise.all([topology.stop(), admin?.exited]);
  console.log("All silos stopped.");
  process.exit(exitCode);
};
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());
try {
  await topology.start();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
}
for (const silo of topology.silos.values()) {
  void silo.exited.then((code) => {
    if (!stopping) console.log(`[${silo.name.padEnd(7)}] exited with ${code}`);
  });
}

console.log(`
Silos ready in ${((performance.now() - started) / 1000).toFixed(1)} s${env.MULTI_ADMIN ? " (the admin app starts on http://127.0.0.1:3000 as their CONTROL client)" : ""}:
  control  ${topology.url("control")}   (${redactDatabaseUrl(databases.control ?? "")})
  us       ${topology.url("us")}   (${redactDatabaseUrl(databases.us ?? "")})
  eu       ${topology.url("eu")}   (${redactDatabaseUrl(databases.eu ?? "")})${
    topology.balanced
      ? `\n  behind HAProxy: ${["control", "us", "eu"]
          .map(
            (s) =>
              `${s} ${topology
                .processesOf(s)
                .map((p) => topology.url(p).replace("http://127.0.0.1", ""))
                .join(" ")}`,
          )
          .join(", ")}`
      : ""
  }
Try: npm run demo    Health: curl ${topology.url("eu")}/healthz    Ctrl-C stops everything.`);
