// Starts a control silo and region silos as separate processes on loopback ports, each with its
// own database: for `npm run dev:multi`, the demo, the multi-process tests and the benchmark.
// With `replicas`, each silo is that many processes on its one database (PostgreSQL), behind
// HAProxy (load-balancer.ts), as a team deploys it: `npm run dev:scale`.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { repoRoot } from "@acme/config";
import { type SiloConfig, siloConfig } from "@acme/rpc";
import { freePort, healthz } from "@acme/rpc/probes";
import { LoadBalancer } from "./load-balancer.ts";

const MAIN = path.join(import.meta.dirname, "main.ts");
/** `npm run build -w @acme/silo`'s output: what `npm start` and the container image run. */
const BUILT_MAIN = path.join(import.meta.dirname, "../dist/main.js");
const EXIT_WITH_PARENT = pathToFileURL(path.join(import.meta.dirname, "exit-with-parent.mjs")).href;

export interface TopologyOptions {
  /** Region names (default us, eu). */
  readonly regions?: readonly string[];
  /** Ports by silo name ("control", or a region); a missing one gets a free port. */
  readonly ports?: Readonly<Record<string, number>>;
  /** DATABASE_URL by silo name. */
  readonly databases: (silo: string) => string;
  readonly secret: string;
  readonly logLevel?: string;
  /** Extra environment for every silo. */
  readonly env?: Readonly<Record<string, string>>;
  /** Every line a silo prints (its JSON logs); a replica is named `eu#2`, the balancer `haproxy`. */
  readonly onLine?: (silo: string, line: string) => void;
  /**
   * Processes per silo (default 1). Above 1, or with `loadBalancer`, HAProxy listens on each
   * silo's port and spreads calls over its replicas (`eu#1`, `eu#2`, ...), which need a
   * PostgreSQL database (an embedded one is a single process's).
   */
  readonly replicas?: number;
  /** HAProxy in front of the silos even with one replica each (default: when replicas > 1). */
  readonly loadBalancer?: boolean;
  /** The balancer's health check interval (default 250 ms). */
  readonly checkIntervalMs?: number;
  /**
   * Where every silo keeps its accepted nonces (RPC_REPLAY_STORE): "memory" (default, each
   * process its own) or a Redis URL, which replicas need so that a request accepted by one is
   * refused by the others. Each silo of this topology gets a key prefix of its own.
   */
  readonly replayStore?: string;
  /**
   * Run the built silo (`node apps/silo/dist/main.js`, as a deployment does; `npm run build -w
   * @acme/silo` first) instead of the source under tsx (default).
   */
  readonly built?: boolean;
}

/** How long a replica keeps serving after SIGTERM while the balancer takes it out. */
const drainMs = (checkIntervalMs: number) => 4 * checkIntervalMs + 200;

export interface SiloProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

export class Topology {
  readonly silos = new Map<string, SiloProcess>();
  readonly #options: TopologyOptions;
  readonly #ports: Record<string, number> = {};
  readonly regions: readonly string[];
  /** Processes per silo. */
  readonly replicas: number;
  #balancer: LoadBalancer | undefined;
  /** Tells this topology's keys in a shared replay store from another's. */
  readonly #id = randomBytes(4).toString("hex");
  #stopped = false;

  /**
   * A topology not started yet: `start()` starts its silos. Keep the object before awaiting
   * `start()`, so that `stop()` can end silos that are still starting (a test whose setup timed
   * out); `Topology.start(options)` does both when that does not matter.
   */
  constructor(options: TopologyOptions) {
    this.#options = options;
    this.regions = options.regions ?? ["us", "eu"];
    this.replicas = options.replicas ?? 1;
    Object.assign(this.#ports, options.ports);
    if (options.built && !fs.existsSync(BUILT_MAIN)) {
      throw new Error(
        `The built silo is missing (${BUILT_MAIN}): run \`npm run build -w @acme/silo\` first, or start the topology from source.`,
      );
    }
    if (this.balanced) {
      for (const name of ["control", ...this.regions]) {
        const url = options.databases(name);
        if (!/^postgres(ql)?:\/\//.test(url)) {
          throw new Error(
            `Replicas of the ${name} silo share its database, which must be PostgreSQL: ${url} is an embedded database, which one process at a time opens.`,
          );
        }
      }
    }
  }

  /** Whether HAProxy is in front of the silos. */
  get balanced(): boolean {
    return this.replicas > 1 || this.#options.loadBalancer === true;
  }

  /** The processes of a silo: its name alone, or `name#1` ... `name#n` behind the balancer. */
  processesOf(silo: string): string[] {
    return this.balanced
      ? Array.from({ length: this.replicas }, (_, i) => `${silo}#${i + 1}`)
      : [silo];
  }

  static async start(options: TopologyOptions): Promise<Topology> {
    return new Topology(options).start();
  }

  /** Starts every silo, in parallel, and waits until all are ready; on a failure stops them all. */
  async start(): Promise<this> {
    const silos = ["control", ...this.regions];
    const processes = silos.flatMap((silo) => this.processesOf(silo));
    for (const name of new Set([...silos, ...processes])) this.#ports[name] ??= await freePort();
    try {
      await Promise.all(processes.map((name) => this.startSilo(name)));
      if (this.balanced) {
        this.#balancer = await LoadBalancer.start({
          silos: silos.map((silo) => ({
            name: silo,
            port: this.#ports[silo] as number,
            replicas: this.processesOf(silo).map((name) => this.#ports[name] as number),
          })),
          checkIntervalMs: this.#options.checkIntervalMs,
          onLine: (line) => this.#options.onLine?.("haproxy", line),
        });
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this;
  }

  /** A silo's address (known before `start()` for the ports given in the options). */
  url(name: string): string {
    return `http://127.0.0.1:${this.#ports[name]}`;
  }

  get regionConfig(): { name: string; address: string }[] {
    return this.regions.map((name) => ({ name, address: this.url(name) }));
  }

  /** The configuration of a process outside the topology that calls into it (as CONTROL). */
  clientConfig(overrides: { secrets?: string[] } = {}): SiloConfig {
    return siloConfig({
      mode: "CONTROL",
      controlAddress: this.url("control"),
      regions: this.regionConfig,
      secrets: overrides.secrets ?? [this.#options.secret],
    });
  }

  /** Starts (or restarts) one silo process (`eu`, or a replica: `eu#2`) and waits until it is ready. */
  async startSilo(name: string): Promise<SiloProcess> {
    if (this.#stopped)
      throw new Error(`The topology was stopped: the ${name} silo is not started.`);
    const silo = name.split("#")[0] as string;
    if (this.balanced && !name.includes("#")) {
      throw new Error(`The ${silo} silo runs as replicas: start one by its name (${silo}#1).`);
    }
    const mode = silo === "control" ? "CONTROL" : "REGION";
    const entry = this.#options.built
      ? ["--import", EXIT_WITH_PARENT, BUILT_MAIN]
      : ["--import", "tsx", "--import", EXIT_WITH_PARENT, MAIN];
    const child = spawn(process.execPath, entry, {
      cwd: repoRoot,
      // stdin is a pipe the silo watches: it stops when this process goes away.
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        ...this.#options.env,
        SILO_MODE: mode,
        ...(mode === "REGION" ? { REGION_NAME: silo } : {}),
        RPC_SHARED_SECRET: this.#options.secret,
        CONTROL_ADDRESS: this.url("control"),
        REGION_CONFIG: JSON.stringify(this.regionConfig),
        PORT: String(this.#ports[name]),
        HOST: "127.0.0.1",
        DATABASE_URL: this.#options.databases(silo),
        LOG_LEVEL: this.#options.logLevel ?? "info",
        ...(this.#options.replayStore === undefined || this.#options.replayStore === "memory"
          ? {}
          : {
              RPC_REPLAY_STORE: this.#options.replayStore,
              RPC_REPLAY_PREFIX: `rpc:replay:${this.#id}:${silo}:`,
            }),
        // Behind the balancer, a stopping replica serves on until the health check takes it out.
        ...(this.balanced
          ? { SHUTDOWN_DRAIN_MS: String(drainMs(this.#options.checkIntervalMs ?? 250)) }
          : {}),
      },
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const process_: SiloProcess = { name, url: this.url(name), child, exited };
    this.silos.set(name, process_);
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        this.#options.onLine?.(name, line);
      });
    }
    // Ready when its /healthz answers as this silo, whatever LOG_LEVEL hides.
    let gone = false;
    const failed = exited.then((code) => {
      gone = true;
      throw new Error(
        `The ${name} silo exited (${code}) before it was ready:\n${output.join("\n")}`,
      );
    });
    failed.catch(() => {});
    const answers = async () => {
      while (!gone && !(await this.#answersAs(process_.url, mode, silo))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.race([answers(), failed]);
    if (gone) await failed;
    return process_;
  }

  /** Whether the silo at `url` answers /healthz as the silo `name` of this topology. */
  async #answersAs(url: string, mode: string, name: string): Promise<boolean> {
    const health = (await healthz(url))?.body;
    return health?.mode === mode && (mode === "CONTROL" || health.region === name);
  }

  /**
   * Stops one silo, or all of them, with a signal (SIGTERM: a graceful stop), and waits. Stopping
   * them all also ends the silos still starting, and no silo starts after it.
   */
  async stop(name?: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (name === undefined) this.#stopped = true;
    // A silo's name stops all its replicas; `eu#2` stops one.
    const names =
      name === undefined
        ? [...this.silos.keys()]
        : name.includes("#")
          ? [name]
          : this.processesOf(name);
    const targets = names.map((n) => this.silos.get(n)).filter((s) => s !== undefined);
    await Promise.all(
      targets.map(async (silo) => {
        if (silo.child.exitCode === null && silo.child.signalCode === null) silo.child.kill(signal);
        const timer = setTimeout(() => silo.child.kill("SIGKILL"), 15_000);
        await silo.exited;
        clearTimeout(timer);
      }),
    );
    if (name === undefined) await this.#balancer?.stop();
  }
}

export { freePort };
