// Starts a control silo and region silos as separate processes on loopback ports, each with its
// own database: for `npm run dev:multi`, the demo, the multi-process tests and the benchmark.
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import { repoRoot } from "@acme/config";
import { type SiloConfig, siloConfig } from "@acme/rpc";

const MAIN = path.join(import.meta.dirname, "main.ts");
const EXIT_WITH_PARENT = pathToFileURL(path.join(import.meta.dirname, "exit-with-parent.ts")).href;

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
  /** Every line a silo prints (its JSON logs). */
  readonly onLine?: (silo: string, line: string) => void;
}

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
  #stopped = false;

  /**
   * A topology not started yet: `start()` starts its silos. Keep the object before awaiting
   * `start()`, so that `stop()` can end silos that are still starting (a test whose setup timed
   * out); `Topology.start(options)` does both when that does not matter.
   */
  constructor(options: TopologyOptions) {
    this.#options = options;
    this.regions = options.regions ?? ["us", "eu"];
    Object.assign(this.#ports, options.ports);
  }

  static async start(options: TopologyOptions): Promise<Topology> {
    return new Topology(options).start();
  }

  /** Starts every silo, in parallel, and waits until all are ready; on a failure stops them all. */
  async start(): Promise<this> {
    for (const name of ["control", ...this.regions]) this.#ports[name] ??= await freePort();
    try {
      await Promise.all(["control", ...this.regions].map((name) => this.startSilo(name)));
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

  /** Starts (or restarts) one silo and waits until it is ready. */
  async startSilo(name: string): Promise<SiloProcess> {
    if (this.#stopped)
      throw new Error(`The topology was stopped: the ${name} silo is not started.`);
    const mode = name === "control" ? "CONTROL" : "REGION";
    const child = spawn(process.execPath, ["--import", "tsx", "--import", EXIT_WITH_PARENT, MAIN], {
      cwd: repoRoot,
      // stdin is a pipe the silo watches: it stops when this process goes away.
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        ...this.#options.env,
        SILO_MODE: mode,
        ...(mode === "REGION" ? { REGION_NAME: name } : {}),
        RPC_SHARED_SECRET: this.#options.secret,
        CONTROL_ADDRESS: this.url("control"),
        REGION_CONFIG: JSON.stringify(this.regionConfig),
        PORT: String(this.#ports[name]),
        HOST: "127.0.0.1",
        DATABASE_URL: this.#options.databases(name),
        LOG_LEVEL: this.#options.logLevel ?? "info",
      },
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const silo: SiloProcess = { name, url: this.url(name), child, exited };
    this.silos.set(name, silo);
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
      while (!gone && !(await this.#answersAs(silo.url, mode, name))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.race([answers(), failed]);
    if (gone) await failed;
    return silo;
  }

  /** Whether the silo at `url` answers /healthz as the silo `name` of this topology. */
  async #answersAs(url: string, mode: string, name: string): Promise<boolean> {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      const health = (await response.json()) as { mode?: unknown; region?: unknown };
      return health.mode === mode && (mode === "CONTROL" || health.region === name);
    } catch {
      // Not listening yet.
      return false;
    }
  }

  /**
   * Stops one silo, or all of them, with a signal (SIGTERM: a graceful stop), and waits. Stopping
   * them all also ends the silos still starting, and no silo starts after it.
   */
  async stop(name?: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (name === undefined) this.#stopped = true;
    const targets =
      name === undefined
        ? [...this.silos.values()]
        : [this.silos.get(name)].filter((s) => s !== undefined);
    await Promise.all(
      targets.map(async (silo) => {
        if (silo.child.exitCode === null && silo.child.signalCode === null) silo.child.kill(signal);
        const timer = setTimeout(() => silo.child.kill("SIGKILL"), 15_000);
        await silo.exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
