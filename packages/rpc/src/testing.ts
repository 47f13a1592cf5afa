// Test helpers: every silo of a topology in one process, talking through the real wire.
//
// Each silo has its own runtime and RPC endpoint. Calls between them go through an in-process
// `fetch` that hands the signed Request to the receiving silo's endpoint (Fetch adapter) and
// returns its Response: serialization, signing, verification, validation and error mapping are
// exactly those of separate processes; only the socket is missing.
import { fetchRpcHandler } from "./adapters/fetch.ts";
import { createSiloClient, type SiloClient } from "./client.ts";
import { type SiloConfig, siloConfig } from "./config.ts";
import type { AnyServiceContract } from "./contract.ts";
import { createRpcEndpoint } from "./endpoint.ts";
import { type IdempotencyStore, MemoryIdempotencyStore } from "./idempotency.ts";
import { type ServiceEntry, ServiceRegistry } from "./registry.ts";
import type { MappingSource } from "./resolvers.ts";
import { type CallEvent, SiloRuntime } from "./runtime.ts";
import type { SiloMode } from "./silo-mode.ts";

export interface SiloIdentity {
  readonly mode: SiloMode;
  /** The region of a REGION silo. */
  readonly region?: string;
}

export interface TestTopologyOptions<Ctx extends object> {
  readonly entries: readonly ServiceEntry[];
  /** Region names (default us, eu). */
  readonly regions?: readonly string[];
  /** Organization mappings as each silo sees them. */
  readonly mappings: (silo: SiloIdentity) => MappingSource;
  readonly createContext: (silo: SiloIdentity) => Ctx | Promise<Ctx>;
  /** Changes to every silo's configuration (timeouts, disabled methods, secrets, ...). */
  readonly config?: Partial<Omit<SiloConfig, "mode" | "regionName" | "regions" | "controlAddress">>;
  /**
   * Where each silo records the idempotency keys of the mutations it runs (default: a store in
   * memory per silo; `undefined` for none).
   */
  readonly idempotency?: (silo: SiloIdentity) => IdempotencyStore | undefined;
  /** Called with every call each runtime makes. */
  readonly onCall?: (silo: SiloIdentity, event: CallEvent) => void;
}

export const TEST_SECRET = "test-secret-not-for-production";

export const addressOf = (silo: SiloIdentity): string =>
  silo.mode === "REGION"
    ? `http://${silo.region}.silo.test`
    : `http://${silo.mode.toLowerCase()}.silo.test`;

export class TestTopology<Ctx extends object> {
  readonly monolith: SiloRuntime<Ctx>;
  readonly control: SiloRuntime<Ctx>;
  readonly regions: ReadonlyMap<string, SiloRuntime<Ctx>>;
  /** Requests that reached a silo's endpoint, by host. */
  readonly requests: Request[] = [];
  readonly #handlers = new Map<string, (request: Request) => Promise<Response>>();
  readonly #stopped = new Set<string>();

  constructor(options: TestTopologyOptions<Ctx>) {
    const regionNames = options.regions ?? ["us", "eu"];
    const regions = regionNames.map((name) => ({
      name,
      address: addressOf({ mode: "REGION", region: name }),
    }));
    const idempotency = (silo: SiloIdentity) => {
      const store = options.idempotency ? options.idempotency(silo) : new MemoryIdempotencyStore();
      return store === undefined ? {} : { idempotency: store };
    };
    const make = (silo: SiloIdentity): SiloRuntime<Ctx> => {
      const config = siloConfig({
        secrets: [TEST_SECRET],
        ...options.config,
        mode: silo.mode,
        ...(silo.region !== undefined ? { regionName: silo.region } : {}),
        regions,
        controlAddress: addressOf({ mode: "CONTROL" }),
      });
      const runtime = new SiloRuntime<Ctx>({
        config,
        registry: new ServiceRegistry(options.entries),
        mappings: options.mappings(silo),
        createContext: () => options.createContext(silo),
        fetch: this.fetch,
        ...idempotency(silo),
        ...(options.onCall ? { onCall: (event: CallEvent) => options.onCall?.(silo, event) } : {}),
      });
      this.#handlers.set(
        new URL(addressOf(silo)).host,
        fetchRpcHandler(createRpcEndpoint(runtime)),
      );
      return runtime;
    };
    this.monolith = make({ mode: "MONOLITH" });
    this.control = make({ mode: "CONTROL" });
    this.regions = new Map(regionNames.map((region) => [region, make({ mode: "REGION", region })]));
  }

  /** The runtime of a silo: `runtime("CONTROL")`, `runtime("REGION", "eu")`. */
  runtime(mode: SiloMode, region?: string): SiloRuntime<Ctx> {
    if (mode === "MONOLITH") return this.monolith;
    if (mode === "CONTROL") return this.control;
    const runtime = this.regions.get(region ?? [...this.regions.keys()][0] ?? "");
    if (runtime === undefined) throw new Error(`No region "${region}" in this topology.`);
    return runtime;
  }

  client<const C extends readonly AnyServiceContract[]>(
    runtime: SiloRuntime<Ctx>,
    contracts: C,
  ): SiloClient<C> {
    return createSiloClient(runtime, contracts);
  }

  /** Makes a silo unreachable (connection refused), as if its process stopped. */
  stop(silo: SiloIdentity): void {
    this.#stopped.add(new URL(addressOf(silo)).host);
  }

  start(silo: SiloIdentity): void {
    this.#stopped.delete(new URL(addressOf(silo)).host);
  }

  /** The in-process network: a `fetch` that delivers to the addressed silo's endpoint. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const host = new URL(request.url).host;
    const handler = this.#handlers.get(host);
    if (handler === undefined || this.#stopped.has(host)) {
      const cause = Object.assign(new Error(`connect ECONNREFUSED ${host}`), {
        code: "ECONNREFUSED",
      });
      throw new TypeError("fetch failed", { cause });
    }
    if (request.signal.aborted) throw request.signal.reason;
    this.requests.push(request.clone());
    // Serve it as a socket would: the caller's abort ends the wait, not the handler.
    return await new Promise<Response>((resolve, reject) => {
      request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
      handler(request).then(resolve, reject);
    });
  };
}

/** Each way a caller can be deployed, for tests that must hold in every one. */
export const SILO_MODES: readonly SiloIdentity[] = [
  { mode: "MONOLITH" },
  { mode: "CONTROL" },
  { mode: "REGION", region: "us" },
  { mode: "REGION", region: "eu" },
];

export const siloName = (silo: SiloIdentity): string =>
  silo.mode === "REGION" ? `REGION ${silo.region}` : silo.mode;
