// HAProxy in front of the replicas of each silo, as a plain process on loopback ports: one
// frontend per silo (the silo's address as everyone else knows it), its replicas behind it,
// taken out by a health check on /healthz and put back when it answers 200 again. Errors the
// balancer answers itself are RPC error bodies (docs/wire-protocol.md §9), so callers read them
// like any silo's.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { healthz } from "@acme/rpc/probes";

export interface BalancedSilo {
  /** The silo's name: control, or a region. */
  readonly name: string;
  /** Where the balancer listens for this silo. */
  readonly port: number;
  /** Its replicas' ports. */
  readonly replicas: readonly number[];
}

export interface LoadBalancerOptions {
  readonly silos: readonly BalancedSilo[];
  /** Health check interval (default 250 ms); a replica is out after 2 failed checks. */
  readonly checkIntervalMs?: number;
  /** Every line HAProxy prints: one per request (`<silo>/<replica> <status> <method> <path>`). */
  readonly onLine?: (line: string) => void;
}

/** The balancer's own answers, as RPC error bodies. */
const ERRORS: Record<number, { reason: string; code: string; message: string }> = {
  502: {
    reason: "Bad Gateway",
    code: "BAD_GATEWAY",
    message:
      "The load balancer lost its connection to the silo replica during the call: it may have run.",
  },
  503: {
    reason: "Service Unavailable",
    code: "SERVICE_UNAVAILABLE",
    message: "No replica of this silo is up behind the load balancer.",
  },
  504: {
    reason: "Gateway Timeout",
    code: "TIMEOUT",
    message: "The silo replica did not answer the load balancer in time: the call may have run.",
  },
};

/** Whether HAProxy is installed (`apt-get install -y haproxy`). */
export function haproxyInstalled(): boolean {
  try {
    execFileSync("haproxy", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The HAProxy configuration for these silos (files: the directory of the error pages). */
export function haproxyConfig(options: LoadBalancerOptions, files: string): string {
  const inter = options.checkIntervalMs ?? 250;
  const lines = [
    "global",
    "  maxconn 4096",
    // One thread: its log lines come in the order requests end (the tests read them).
    "  nbthread 1",
    "  log stdout format raw local0",
    "defaults",
    "  mode http",
    "  log global",
    '  log-format "%b/%s %ST %HM %HP"',
    "  timeout connect 1s",
    "  timeout client 70s",
    // Longer than any call's budget (RPC_MAX_BUDGET_MS, 60 s): the silo ends a call, not this.
    "  timeout server 70s",
    "  timeout http-keep-alive 5s",
    // A connection refused (nothing ran) is tried on another replica.
    "  retries 2",
    "  option redispatch",
    ...Object.keys(ERRORS).map(
      (status) => `  errorfile ${status} ${path.join(files, `${status}.http`)}`,
    ),
  ];
  for (const silo of options.silos) {
    lines.push(
      `frontend ${silo.name}`,
      `  bind 127.0.0.1:${silo.port}`,
      `  default_backend ${silo.name}`,
      `backend ${silo.name}`,
      "  balance roundrobin",
      "  option httpchk GET /healthz",
      "  http-check expect status 200",
      // A busy replica may take a while to answer: only a missed check takes it out, not a slow one.
      "  timeout check 2s",
      `  default-server inter ${inter}ms fastinter ${inter}ms downinter ${inter}ms fall 2 rise 1`,
      ...silo.replicas.map((port, i) => `  server ${silo.name}-${i + 1} 127.0.0.1:${port} check`),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A running HAProxy. */
export class LoadBalancer {
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, dir: string) {
    this.#child = child;
    this.#dir = dir;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  /** Writes the configuration, checks it, starts HAProxy, and waits until every frontend listens. */
  static async start(options: LoadBalancerOptions): Promise<LoadBalancer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-haproxy-"));
    for (const [status, error] of Object.entries(ERRORS)) {
      const body = JSON.stringify({ error: { code: error.code, message: error.message } });
      fs.writeFileSync(
        path.join(dir, `${status}.http`),
        `HTTP/1.1 ${status} ${error.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    const config = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(config, haproxyConfig(options, dir));
    execFileSync("haproxy", ["-c", "-q", "-f", config], { stdio: "pipe" });
    // -db: in the foreground, so that it stops with this process's signal.
    const child = spawn("haproxy", ["-db", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
    const balancer = new LoadBalancer(child, dir);
    const output: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        options.onLine?.(line);
      });
    }
    let gone = false;
    const failed = balancer.exited.then((code) => {
      gone = true;
      throw new Error(`HAProxy exited (${code}) as it started:\n${output.join("\n")}`);
    });
    failed.catch(() => {});
    const listening = async () => {
      for (const silo of options.silos) {
        while (!gone && !(await answers(silo.port))) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    await Promise.race([listening(), failed]);
    if (gone) await failed;
    return balancer;
  }

  /** Stops HAProxy (connections in flight are cut) and removes its files. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill("SIGTERM");
    await this.exited;
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Whether something answers HTTP on the port (any status: a frontend with no replica up answers 503). */
async function answers(port: number): Promise<boolean> {
  return (await healthz(`http://127.0.0.1:${port}`)) !== undefined;
}
