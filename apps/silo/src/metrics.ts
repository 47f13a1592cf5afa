// Prometheus metrics of one silo: calls served, calls made, latency, in-flight requests.
import type { CallEvent, SiloRuntime } from "@acme/rpc";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface SiloMetricsOptions {
  /**
   * Most label sets per metric (default 1,000): beyond it, new service/method pairs are counted
   * as `other`, so no caller, however many names it makes up, grows the metrics without bound.
   */
  readonly maxLabelSets?: number;
}

export class SiloMetrics {
  readonly registry = new Registry();
  readonly #served: Counter<"service" | "method" | "status">;
  readonly #servedSeconds: Histogram<"service" | "method">;
  readonly #made: Counter<"service" | "method" | "destination" | "outcome">;
  readonly #madeSeconds: Histogram<"service" | "method" | "destination">;
  readonly inFlight: Gauge;
  readonly #maxLabelSets: number;

  constructor(labels: Record<string, string>, options: SiloMetricsOptions = {}) {
    this.#maxLabelSets = options.maxLabelSets ?? 1000;
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.#served = new Counter({
      name: "rpc_server_requests_total",
      help: "RPC requests served, by method and HTTP status.",
      labelNames: ["service", "method", "status"],
      registers,
    });
    this.#servedSeconds = new Histogram({
      name: "rpc_server_request_duration_seconds",
      help: "Time to serve an RPC request.",
      labelNames: ["service", "method"],
      buckets: BUCKETS,
      registers,
    });
    this.#made = new Counter({
      name: "rpc_client_calls_total",
      help: "RPC calls made by this silo, by method, destination (local, control or a region) and outcome (OK or the tRPC error code).",
      labelNames: ["service", "method", "destination", "outcome"],
      registers,
    });
    this.#madeSeconds = new Histogram({
      name: "rpc_client_call_duration_seconds",
      help: "Duration of RPC calls made by this silo, wherever they ran.",
      labelNames: ["service", "method", "destination"],
      buckets: BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({
      name: "http_requests_in_flight",
      help: "HTTP requests being served.",
      registers,
    });
  }

  // Label children by key: prom-client hashes a label object on every inc/observe otherwise,
  // a visible cost at tens of thousands of requests per second.
  readonly #children = new Map<
    string,
    { count: { inc(): void }; time: { observe(v: number): void } }
  >();

  served(target: { service: string; method: string }, status: number, seconds: number): void {
    const key = `${target.service}\u0000${target.method}\u0000${status}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      // Past the bound, `other` still gets one child per status: a short, fixed list.
      if (this.#children.size >= this.#maxLabelSets && target !== OTHER_TARGET) {
        this.served(OTHER_TARGET, status, seconds);
        return;
      }
      child = {
        count: this.#served.labels(target.service, target.method, String(status)),
        time: this.#servedSeconds.labels(target.service, target.method),
      };
      this.#children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  made(event: CallEvent): void {
    let [service = "", method = ""] = event.path.split(".");
    const destination =
      event.route.kind === "remote" ? (event.route.region ?? "control") : event.route.kind;
    const key = `${service}\u0000${method}\u0000${destination}\u0000${event.outcome}`;
    if (!this.#madeKeys.has(key)) {
      if (this.#madeKeys.size >= this.#maxLabelSets) {
        service = OTHER;
        method = OTHER;
      } else this.#madeKeys.add(key);
    }
    this.#made.inc({ service, method, destination, outcome: event.outcome });
    this.#madeSeconds.observe({ service, method, destination }, event.durationMs / 1000);
  }

  /** How many label sets the served and made metrics hold (bounded by maxLabelSets each). */
  get labelSets(): { served: number; made: number } {
    return { served: this.#children.size, made: this.#madeKeys.size };
  }

  // Past the bound, `other` pairs still vary by destination (configured) and outcome (tRPC codes).
  readonly #madeKeys = new Set<string>();
}

const OTHER = "other";
const OTHER_TARGET = { service: OTHER, method: OTHER };

/** Labels for a served path: known methods only, so strangers cannot grow the label space. */
export function servedTarget(
  runtime: SiloRuntime,
  path: string,
): { service: string; method: string } {
  const match = /^\/api\/0\/internal\/rpc\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (
    match !== null &&
    runtime.registry.method(match[1] as string, match[2] as string) !== undefined
  ) {
    return { service: match[1] as string, method: match[2] as string };
  }
  return { service: "unknown", method: "unknown" };
}
