#!/usr/bin/env node
// CI's stand-in for `docker build` + `docker run` (no daemon, no registry here): reads
// deploy/<app>.Dockerfile and runs its steps outside a container: each stage in its own folder,
// `COPY . .` from a clean copy of HEAD (`git archive`), `COPY --from` between the stages' folders,
// every RUN as written; then starts the last stage's CMD with its ENV, waits for /healthz, runs the
// HEALTHCHECK command, makes a signed RPC call to the silo (apps/silo/scripts/probe.ts, run from this
// checkout) and stops the process with SIGTERM. The Dockerfile is the only list of steps, so the
// two cannot drift apart. The runtime folder must hold no dev dependency and no TypeScript source.
//
//   node deploy/check-image-steps.mjs [silo] [admin] [--ref=<commit>] [--keep]
//
// --ref builds another commit than HEAD; --keep keeps the stages' folders and logs.
// Each app is its own step with its own verdict. With TEST_DATABASE_URL (PostgreSQL), the silo
// also starts as two CONTROL replicas at once on a database of its own: both migrate it on start.
// Not reproduced: the base image (this machine's Node runs the steps: its version is checked
// against the FROM tag), USER (files and processes stay this user's), the build cache mounts.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { envOf, lastOf, parseDockerfile, workdirOf } from "./dockerfile.mjs";

const repo = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const keep = args.includes("--keep");
const ref = args.find((arg) => arg.startsWith("--ref="))?.slice("--ref=".length) ?? "HEAD";
const apps = args.filter((arg) => !arg.startsWith("--"));
const selected = apps.length > 0 ? apps : ["silo", "admin"];
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;

// Development values only, for the processes this script starts on loopback.
const DEV_SECRET = "dev-only-image-check-secret";
const FAKE_REGIONS = JSON.stringify([
  { name: "us", address: "http://127.0.0.1:9" },
  { name: "eu", address: "http://127.0.0.1:9" },
]);

const log = (message) => console.log(`[image-steps] ${message}`);

/** What a process in the image would see: no variables of this machine beyond PATH and HOME. */
function baseEnv() {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? os.homedir() };
}

/** A path of a stage's filesystem (absolute, under its WORKDIR, or relative to it) in its folder. */
function hostPath(stage, dir, target) {
  const workdir = workdirOf(stage);
  if (!target.startsWith("/")) return path.join(dir, target);
  if (target !== workdir && !target.startsWith(`${workdir}/`))
    throw new Error(`stage ${stage.name}: ${target} is outside WORKDIR ${workdir}`);
  return path.join(dir, path.relative(workdir, target));
}

/** Docker's COPY: a folder's contents go into dest; a file into dest/ or to dest itself. */
function copy(source, dest, intoFolder) {
  if (!fs.existsSync(source)) throw new Error(`COPY: ${source} does not exist`);
  if (fs.statSync(source).isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    fs.cpSync(source, dest, { recursive: true, verbatimSymlinks: true });
  } else {
    const target = intoFolder ? path.join(dest, path.basename(source)) : dest;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target);
  }
}

function checkNodeVersion(stages) {
  for (const stage of stages) {
    const match = /^node:(\d+(?:\.\d+)*)-/.exec(stage.image);
    if (match === null)
      throw new Error(`stage ${stage.name}: base ${stage.image} is not node:<version>-...`);
    if (!`${process.versions.node}.`.startsWith(`${match[1]}.`))
      throw new Error(
        `stage ${stage.name} builds on ${stage.image} but this machine runs Node ${process.versions.node}`,
      );
  }
}

/** Runs every stage; returns the last stage and its folder. */
function build(app, stages, context, work) {
  const dirs = new Map();
  for (const stage of stages) {
    const dir = path.join(work, stage.name);
    fs.mkdirSync(dir, { recursive: true });
    dirs.set(stage.name, dir);
    const env = { ...baseEnv() };
    for (const step of stage.steps) {
      if (step.op === "ENV") Object.assign(env, step.vars);
      if (step.op === "COPY") {
        const fromStage = stages.find((candidate) => candidate.name === step.from);
        if (step.from !== undefined && fromStage === undefined)
          throw new Error(`COPY --from=${step.from}: no such stage before ${stage.name}`);
        const dest = hostPath(stage, dir, step.dest);
        const intoFolder = step.sources.length > 1 || /\/\.?$|^\.$/.test(step.dest);
        for (const source of step.sources) {
          const from =
            fromStage === undefined
              ? path.join(context, source)
              : hostPath(fromStage, dirs.get(fromStage.name), source);
          log(
            `${app} ${stage.name}: COPY ${step.from === undefined ? "" : `--from=${step.from} `}${source} ${step.dest}`,
          );
          if (fromStage !== undefined && !fs.existsSync(from))
            throw new Error(
              `COPY --from=${step.from} ${source}: stage ${step.from} did not produce it (what writes it: ${fromStage.steps
                .filter((s) => s.op === "RUN")
                .map((s) => s.command)
                .join("; ")})`,
            );
          copy(from, dest, intoFolder);
        }
      }
      if (step.op === "RUN") {
        log(`${app} ${stage.name}: RUN ${step.command}`);
        const started = Date.now();
        const result = spawnSync("sh", ["-c", step.command], { cwd: dir, env, stdio: "inherit" });
        if (result.status !== 0)
          throw new Error(
            `${stage.name}: RUN ${step.command} exited with ${result.status ?? result.signal}`,
          );
        log(`${app} ${stage.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
  }
  const runtime = stages.at(-1);
  return { runtime, dir: dirs.get(runtime.name), buildDirs: dirs };
}

/** The image runs built JavaScript: no TypeScript source outside node_modules. */
function checkNoTypeScript(runtimeDir) {
  const found = fs
    .readdirSync(runtimeDir, { recursive: true })
    .filter((file) => !file.split(path.sep).includes("node_modules"))
    .filter((file) => /\.(c|m)?tsx?$/.test(file) && !/\.d\.(c|m)?ts$/.test(file));
  if (found.length > 0)
    throw new Error(`TypeScript source in the runtime image: ${found.slice(0, 10).join(", ")}`);
}

/** A signed RPC call to a running silo, as another silo makes it (probe.ts, from this checkout). */
function signedCall(env, name) {
  const tsx = path.join(repo, "node_modules", ".bin", "tsx");
  const probe = path.join(repo, "apps", "silo", "scripts", "probe.ts");
  const url = `http://127.0.0.1:${env.PORT}`;
  const result = spawnSync(tsx, [probe, url, env.RPC_SHARED_SECRET, "30"], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0)
    throw new Error(
      `${name}: the signed RPC call failed (${result.status ?? result.signal}): ${result.stdout}${result.stderr}`,
    );
  log(`${name}: ${result.stdout.trim().split("\n").at(-1)}`);
}

/** Packages the lockfile marks dev-only must not be in the runtime folder's node_modules. */
function checkNoDevDependencies(runtimeDir, lockfile) {
  const lock = JSON.parse(fs.readFileSync(lockfile, "utf8"));
  const found = Object.entries(lock.packages ?? {})
    .filter(([key, entry]) => entry.dev === true && key.startsWith("node_modules/"))
    .map(([key]) => key)
    .filter((key) => fs.existsSync(path.join(runtimeDir, key)));
  if (found.length > 0)
    throw new Error(`dev dependencies in the runtime image: ${found.slice(0, 10).join(", ")}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the image's CMD with its ENV and `env`; resolves once /healthz answers 200. */
async function start(runtime, dir, env, name, logDir) {
  const command = lastOf(runtime, "CMD")?.command;
  if (command === undefined) throw new Error("the runtime stage has no CMD");
  const fullEnv = { ...baseEnv(), ...envOf(runtime), ...env };
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, "w");
  const child = spawn(command[0], command.slice(1), {
    cwd: dir,
    env: fullEnv,
    stdio: ["ignore", out, out],
  });
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  const url = `http://127.0.0.1:${fullEnv.PORT}/healthz`;
  const started = Date.now();
  for (;;) {
    if (exited !== null)
      throw new Error(
        `${name} exited (${exited.code ?? exited.signal}) before /healthz answered:\n${tail(logFile)}`,
      );
    if (Date.now() - started > START_TIMEOUT_MS) {
      child.kill("SIGKILL");
      throw new Error(
        `${name}: /healthz did not answer 200 in ${START_TIMEOUT_MS} ms:\n${tail(logFile)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (response.status === 200) {
        log(
          `${name}: ${url} answered 200 after ${Date.now() - started} ms: ${(await response.text()).slice(0, 160)}`,
        );
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return {
    env: fullEnv,
    logFile,
    /** SIGTERM, as an orchestrator stops a container; resolves with the exit code. */
    stop: async () => {
      if (exited === null) child.kill("SIGTERM");
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (exited === null && Date.now() < deadline) await sleep(100);
      if (exited === null) {
        child.kill("SIGKILL");
        throw new Error(`${name} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
      }
      return exited;
    },
  };
}

/** The silo's "silo ready" log line (JSON). */
function readyLine(file) {
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    try {
      const entry = JSON.parse(line);
      if (entry.msg === "silo ready") return entry;
    } catch {
      // not JSON
    }
  }
  throw new Error(`no "silo ready" line in ${file}`);
}

function tail(file) {
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  return lines.slice(-20).join("\n");
}

/** The image's HEALTHCHECK command, run as Docker would (inside the running container). */
function runHealthcheck(runtime, dir, env, name) {
  const command = lastOf(runtime, "HEALTHCHECK")?.command;
  if (command === undefined) throw new Error("the runtime stage has no HEALTHCHECK");
  const result = spawnSync(command[0], command.slice(1), {
    cwd: dir,
    env,
    timeout: 10_000,
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(
      `${name}: HEALTHCHECK exited with ${result.status ?? result.signal}: ${result.stderr}`,
    );
  log(`${name}: HEALTHCHECK command exits 0`);
}

async function runAndProbe(runtime, dir, env, name, logDir) {
  const process_ = await start(runtime, dir, env, name, logDir);
  try {
    runHealthcheck(runtime, dir, process_.env, name);
    if (process_.env.SILO_MODE !== "MONOLITH" && name.startsWith("silo"))
      signedCall(process_.env, name);
  } finally {
    const exit = await process_.stop();
    log(`${name}: stopped on SIGTERM (exit ${exit.code ?? exit.signal})`);
  }
}

function psql(url, sql) {
  const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`psql: ${result.stderr || result.error}`);
}

/** What each app's image is started as here. */
const scenarios = {
  async silo(runtime, dir, work) {
    const user = lastOf(runtime, "USER")?.user;
    if (user === undefined || user === "root" || user === "0")
      throw new Error("the silo image runs as root");
    await runAndProbe(
      runtime,
      dir,
      {
        SILO_MODE: "CONTROL",
        DATABASE_URL: path.join(work, "pglite"),
        RPC_SHARED_SECRET: DEV_SECRET,
        REGION_CONFIG: FAKE_REGIONS,
        PORT: String(await freePort()),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
      },
      "silo (CONTROL, PGlite)",
      work,
    );
    const server = process.env.TEST_DATABASE_URL;
    if (server === undefined || server === "") {
      log("silo on PostgreSQL: skipped (TEST_DATABASE_URL is not set)");
      return;
    }
    const database = `deploy_image_check_${process.pid}`;
    psql(server, `DROP DATABASE IF EXISTS ${database}`);
    psql(server, `CREATE DATABASE ${database}`);
    try {
      const url = new URL(server);
      url.pathname = `/${database}`;
      // Two replicas on one new database, started at once: each migrates on start, under the
      // advisory lock, so exactly one applies the migrations and the other finds none pending.
      const env = async () => ({
        SILO_MODE: "CONTROL",
        DATABASE_URL: url.toString(),
        RPC_SHARED_SECRET: DEV_SECRET,
        REGION_CONFIG: FAKE_REGIONS,
        PORT: String(await freePort()),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
      });
      const envs = [await env(), await env()];
      const started = await Promise.allSettled(
        envs.map((replicaEnv, i) =>
          start(runtime, dir, replicaEnv, `silo (CONTROL replica ${i + 1}, PostgreSQL)`, work),
        ),
      );
      const replicas = started
        .filter((result) => result.status === "fulfilled")
        .map((r) => r.value);
      try {
        const failed = started.find((result) => result.status === "rejected");
        if (failed !== undefined) throw failed.reason;
        const openings = replicas.map((replica) => readyLine(replica.logFile).opened ?? "");
        const applied = openings.filter((opened) => /migrations? applied/.test(opened));
        if (
          applied.length !== 1 ||
          !openings.some((opened) => opened.includes("no migration pending"))
        )
          throw new Error(
            `expected one replica to migrate and one to find nothing pending: ${JSON.stringify(openings)}`,
          );
        log(`two replicas at once on one new database: ${openings.join(" | ")}`);
        for (const [i, replica] of replicas.entries()) {
          const name = `silo (CONTROL replica ${i + 1}, PostgreSQL)`;
          runHealthcheck(runtime, dir, replica.env, name);
          signedCall(replica.env, name);
        }
      } finally {
        for (const replica of replicas) await replica.stop();
      }
    } finally {
      psql(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  },
  async admin(runtime, dir, work) {
    const user = lastOf(runtime, "USER")?.user;
    if (user === undefined || user === "root" || user === "0")
      throw new Error("the admin image runs as root");
    await runAndProbe(
      runtime,
      dir,
      {
        SILO_MODE: "CONTROL",
        CONTROL_ADDRESS: "http://127.0.0.1:9",
        REGION_CONFIG: FAKE_REGIONS,
        RPC_SHARED_SECRET: DEV_SECRET,
        ADMIN_USERNAME: "admin",
        ADMIN_PASSWORD: "dev-only-password-change-me",
        ADMIN_SESSION_SECRET: "dev-only-session-secret-change-me-0123456789",
        PORT: String(await freePort()),
        HOSTNAME: "127.0.0.1",
      },
      "admin (CONTROL client)",
      work,
    );
  },
};

async function checkApp(app, context, tmp) {
  // The Dockerfile of the commit being built, like `docker build -f` in a checkout of it.
  const file = path.join(context, "deploy", `${app}.Dockerfile`);
  const stages = parseDockerfile(fs.readFileSync(file, "utf8"));
  checkNodeVersion(stages);
  const work = path.join(tmp, app);
  const { runtime, dir, buildDirs } = build(app, stages, context, work);
  const lockfile = path.join(buildDirs.get(stages[0].name), "package-lock.json");
  checkNoDevDependencies(dir, lockfile);
  checkNoTypeScript(dir);
  log(`${app}: no dev dependency and no TypeScript source in the runtime folder (${du(dir)})`);
  await scenarios[app](runtime, dir, work);
}

function du(dir) {
  const result = spawnSync("du", ["-sh", dir], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.split("\t")[0] : "size unknown";
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "image-steps-"));
const context = path.join(tmp, "context");
fs.mkdirSync(context);
const commit = spawnSync("git", ["rev-parse", "--short", ref], { cwd: repo, encoding: "utf8" });
if (commit.status !== 0) throw new Error(`no commit ${ref}: ${commit.stderr}`);
// The build context: what a clean checkout of the commit holds (uncommitted changes are not in it).
const archive = spawnSync(
  "sh",
  ["-c", `git -C "${repo}" archive "${ref}" | tar -x -C "${context}"`],
  {
    stdio: "inherit",
  },
);
if (archive.status !== 0) throw new Error(`git archive ${ref} failed`);
log(`context: a clean copy of ${ref} (${commit.stdout.trim()}) in ${context}`);

const results = [];
for (const app of selected) {
  if (!(app in scenarios)) throw new Error(`unknown app ${app}: silo or admin`);
  log(`==> ${app}: deploy/${app}.Dockerfile`);
  try {
    await checkApp(app, context, tmp);
    results.push({ app, ok: true });
  } catch (error) {
    results.push({ app, ok: false, why: error instanceof Error ? error.message : String(error) });
  }
}
for (const result of results) log(`${result.app}: ${result.ok ? "ok" : `FAILED: ${result.why}`}`);
if (keep) log(`kept ${tmp}`);
else fs.rmSync(tmp, { recursive: true, force: true });
process.exit(results.every((result) => result.ok) ? 0 : 1);
