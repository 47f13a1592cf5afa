// Prometheus metrics of one silo: calls served, calls made, latency, in-flight requests.
import type { CallEvent, SiloRuntime } from "@acme/rpc";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class SiloMetrics {
  readonly registry = new Registry();
  readonly #served: Counter<"service" | "method" | "status">;
  readonly #servedSeconds: Histogram<"service" | "method">;
  readonly #made: Counter<"service" | "method" | "destination" | "outcome">;
  readonly #madeSeconds: Histogram<"service" | "method" | "destination">;
  readonly inFlight: Gauge;

  constructor(labels: Record<string, string>) {
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
    const [service = "", method = ""] = event.path.split(".");
    const destination =
      event.route.kind === "remote" ? (event.route.region ?? "control") : event.route.kind;
    this.#made.inc({ service, method, destination, outcome: event.outcome });
    this.#madeSeconds.observe({ service, method, destination }, event.durationMs / 1000);
  }
}

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
