// Prometheus metrics of one silo: calls served, calls made, latency, in-flight requests, and its
// outboxes (deliveries, failures, and their backlog, read on each scrape).
import type { BacklogRow } from "@acme/outbox";
import type { CallEvent, SiloRuntime } from "@acme/rpc";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { OutboxName, OutboxReading } from "./outbox-status.ts";

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
  /** Requests being served, read on each scrape (the server counts them: watchInFlight). */
  #inFlight: () => number = () => 0;
  readonly #delivered: Counter<"outbox" | "category">;
  readonly #deliveryFailures: Counter<"outbox" | "category">;
  readonly #maxLabelSets: number;
  #outboxes: (() => Promise<OutboxReading[]>) | undefined;

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
    const inFlight = () => this.#inFlight();
    new Gauge({
      name: "http_requests_in_flight",
      help: "HTTP requests being served.",
      registers,
      // Read when scraped: no gauge update on the path of every request.
      collect() {
        this.set(inFlight());
      },
    });
    this.#delivered = new Counter({
      name: "outbox_messages_delivered_total",
      help: "Outbox messages delivered by this silo's drains, by outbox (region or control) and category (a coalesced delivery counts once).",
      labelNames: ["outbox", "category"],
      registers,
    });
    this.#deliveryFailures = new Counter({
      name: "outbox_delivery_failures_total",
      help: "Failed deliveries of outbox messages by this silo's drains (each is retried later), by outbox and category.",
      labelNames: ["outbox", "category"],
      registers,
    });
    // Read on each scrape: both gauges share one backlog query (OutboxStatus). Label sets are
    // bounded like the counters': past the bound, new ones are folded into `other`.
    const backlog = (
      name: string,
      help: string,
      value: (row: BacklogRow) => number,
      fold: (a: number, b: number) => number,
    ) => {
      const seen = new Set<string>();
      const read = () => this.#outboxes?.() ?? Promise.resolve([]);
      const maxLabelSets = this.#maxLabelSets;
      new Gauge({
        name,
        help,
        labelNames: ["outbox", "category", "region"],
        registers,
        async collect() {
          const values = new Map<string, number>();
          for (const reading of await read()) {
            // Unreadable (the database is down): absent, not 0, since nobody knows what waits.
            if ("error" in reading) continue;
            // A label set seen before and empty now reads 0 (nothing waits), not absent.
            for (const key of seen)
              if (key.startsWith(labelKey(reading.outbox, ""))) values.set(key, 0);
            for (const row of reading.rows) {
              let key = labelKey(reading.outbox, row.category, row.regionName);
              if (!seen.has(key) && seen.size >= maxLabelSets)
                key = labelKey(reading.outbox, OTHER, OTHER);
              seen.add(key);
              values.set(key, fold(values.get(key) ?? 0, value(row)));
            }
          }
          this.reset();
          for (const [key, v] of values) {
            const [outbox = "", category = "", region = ""] = key.split("\u0000");
            this.set({ outbox, category, region }, v);
          }
        },
      });
    };
    backlog(
      "outbox_messages_waiting",
      "Messages waiting in this silo's outboxes, by outbox, category and region (control's outbox; empty in a region's).",
      (row) => row.waiting,
      (a, b) => a + b,
    );
    backlog(
      "outbox_oldest_message_age_seconds",
      "Age of the oldest message waiting in this silo's outboxes, by outbox, category and region.",
      (row) => row.oldestAgeSeconds,
      Math.max,
    );
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

  /** Reads the number of requests being served on each scrape (http_requests_in_flight). */
  watchInFlight(read: () => number): void {
    this.#inFlight = read;
  }

  /** Reads this silo's outboxes on each scrape (outbox_messages_waiting, ..._age_seconds). */
  watchOutboxes(read: () => Promise<OutboxReading[]>): void {
    this.#outboxes = read;
  }

  /** A message delivered by one of this silo's drains. */
  outboxDelivered(outbox: OutboxName, category: string): void {
    this.#delivered.inc({ outbox, category: this.#outboxCategory(outbox, category) });
  }

  /** A failed delivery (retried later). */
  outboxFailed(outbox: OutboxName, category: string): void {
    this.#deliveryFailures.inc({ outbox, category: this.#outboxCategory(outbox, category) });
  }

  // Categories come from the outbox tables: bounded like method names, past the bound `other`.
  readonly #outboxCategories = new Set<string>();
  #outboxCategory(outbox: OutboxName, category: string): string {
    const key = labelKey(outbox, category);
    if (this.#outboxCategories.has(key)) return category;
    if (this.#outboxCategories.size >= this.#maxLabelSets) return OTHER;
    this.#outboxCategories.add(key);
    return category;
  }

  /** How many label sets the served and made metrics hold (bounded by maxLabelSets each). */
  get labelSets(): { served: number; made: number } {
    return { served: this.#children.size, made: this.#madeKeys.size };
  }

  // Past the bound, `other` pairs still vary by destination (configured) and outcome (tRPC codes).
  readonly #madeKeys = new Set<string>();
}

const OTHER = "other";
const labelKey = (...labels: string[]) => labels.join("\u0000");
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
