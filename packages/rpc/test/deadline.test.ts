// One time budget per call: its routing lookup, every attempt and the pauses share it, the
// receiver gets what is left (X-Rpc-Budget-Ms) and aborts the method's signal when it is spent,
// and the calls a method makes share the rest. On a fake clock: no test waits for real time.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  byOrganizationSlug,
  byRegionName,
  controlQuery,
  createRpcEndpoint,
  createSiloClient,
  defineService,
  implementationsFor,
  LazyAbort,
  type MappingSource,
  regionQuery,
  runWithDeadline,
  ServiceRegistry,
  type SiloClient,
  SiloRuntime,
  siloConfig,
} from "../src/index.ts";
import { signRequest } from "../src/signing.ts";
import { addressOf, TEST_SECRET, TestTopology } from "../src/testing.ts";

// A probe service: `wait` runs until its signal aborts and records when; `relay` waits, then
// calls `wait` in another region (a method that calls a method); `lookup` stands for the
// control silo's mapping lookup.
const probeService = defineService({
  key: "probe",
  localMode: "REGION",
  methods: {
    wait: regionQuery({
      input: z.object({ regionName: z.string() }),
      output: z.object({ aborted: z.boolean() }),
      resolve: byRegionName(),
    }),
    relay: regionQuery({
      input: z.object({ regionName: z.string(), to: z.string(), afterMs: z.number() }),
      output: z.object({ aborted: z.boolean() }),
      resolve: byRegionName("regionName"),
    }),
    bySlug: regionQuery({
      input: z.object({ slug: z.string() }),
      output: z.object({ region: z.string() }),
      resolve: byOrganizationSlug("slug"),
    }),
  },
});
const lookupService = defineService({
  key: "lookup",
  localMode: "CONTROL",
  methods: {
    bySlug: controlQuery({ input: z.object({ slug: z.string() }), output: z.string().nullable() }),
  },
});
const contracts = [probeService, lookupService] as const;

interface ProbeContext {
  readonly silo: string;
  readonly client: () => SiloClient<typeof contracts>;
}

/** What each `wait` saw: where it ran, and when (fake clock) its signal aborted. */
let waits: { silo: string; abortedAt?: number; reason?: unknown }[] = [];
/** X-Rpc-Budget-Ms of every request, in order. */
let budgets: (string | null)[] = [];

const implement = implementationsFor<ProbeContext>();
const probeImpl = implement(probeService, {
  wait: async ({ ctx, signal }) => {
    const record: (typeof waits)[number] = { silo: ctx.silo };
    waits.push(record);
    await new Promise<void>((resolve) => {
      signal?.addEventListener("abort", () => {
        record.abortedAt = Date.now();
        record.reason = signal.reason;
        resolve();
      });
    });
    return { aborted: true };
  },
  relay: async ({ input, ctx }) => {
    await new Promise((resolve) => setTimeout(resolve, input.afterMs));
    return ctx.client().probe.wait.query({ regionName: input.to });
  },
  bySlug: async ({ ctx }) => ({ region: ctx.silo }),
});
/** Control's lookup: never answers (a control silo that accepts and hangs). */
const lookupImpl = implementationsFor<ProbeContext>()(lookupService, {
  bySlug: () => new Promise<never>(() => {}),
});
const entries = [
  { contract: probeService, load: async () => probeImpl },
  { contract: lookupService, load: async () => lookupImpl },
];

/** Mappings read through the control silo's RPC, under the routed call's deadline. */
function rpcMappings(client: () => SiloClient<typeof contracts>): MappingSource {
  const bySlug: MappingSource["bySlug"] = async (slug, options) => {
    const region = await runWithDeadline(options?.deadline, () =>
      client().lookup.bySlug.query({ slug }),
    );
    return region === null ? null : { organizationId: slug, slug, regionName: region };
  };
  return { bySlug, byId: bySlug, single: async () => null };
}

function topology(config: ConstructorParameters<typeof TestTopology>[0]["config"] = {}) {
  const clients = new Map<string, SiloClient<typeof contracts>>();
  const t: TestTopology<ProbeContext> = new TestTopology<ProbeContext>({
    entries,
    config,
    mappings: () => ({
      bySlug: async () => null,
      byId: async () => null,
      single: async () => null,
    }),
    createContext: (silo) => {
      const name = silo.region ?? silo.mode;
      return {
        silo: name,
        client: () => {
          let client = clients.get(name);
          if (client === undefined) {
            client = createSiloClient(t.runtime(silo.mode, silo.region), contracts);
            clients.set(name, client);
          }
          return client;
        },
      };
    },
  });
  return t;
}

/** A client process (runs no service) on `t`'s network, recording every request's budget. */
function caller(
  t: TestTopology<ProbeContext>,
  config: Parameters<typeof siloConfig>[0] = {},
  fetchImpl: typeof fetch = t.fetch,
) {
  let client: SiloClient<typeof contracts> | undefined;
  const runtime = new SiloRuntime({
    config: siloConfig({
      mode: "CONTROL",
      secrets: [TEST_SECRET],
      controlAddress: addressOf({ mode: "CONTROL" }),
      regions: ["us", "eu"].map((name) => ({
        name,
        address: addressOf({ mode: "REGION", region: name }),
      })),
      ...config,
    }),
    registry: new ServiceRegistry(entries),
    mappings: rpcMappings(() => client as SiloClient<typeof contracts>),
    createContext: () => ({}),
    remoteOnly: true,
    fetch: async (input, init) => {
      budgets.push(new Headers(init?.headers).get("x-rpc-budget-ms"));
      return fetchImpl(input, init);
    },
  });
  client = createSiloClient(runtime, contracts);
  return client;
}

/**
 * Records how `promise` settles and when (fake clock); read after moving the clock, so a call
 * that never ends fails its assertions instead of waiting forever.
 */
function settle<T>(promise: Promise<T>) {
  const outcome: { value?: T; error?: unknown; at?: number } = {};
  promise.then(
    (value) => {
      outcome.value = value;
      outcome.at = Date.now();
    },
    (error: unknown) => {
      outcome.error = error;
      outcome.at = Date.now();
    },
  );
  return { outcome };
}

const T0 = Date.UTC(2026, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  waits = [];
  budgets = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe("one budget per call", () => {
  it("ends a call whose routing lookup hangs at the call's budget, not the lookup's own timeout", async () => {
    const t = topology();
    // The lookup's own timeout is RPC_TIMEOUT_MS (5 s); the routed call's is 1 s.
    const client = caller(t, { methodTimeouts: new Map([["probe.bySlug", 1000]]) });
    const call = settle(client.probe.bySlug.query({ slug: "acme" }));
    await vi.advanceTimersByTimeAsync(999);
    expect(call.outcome.at).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(call.outcome.at).toBe(T0 + 1000);
    expect(call.outcome.error).toMatchObject({
      code: "TIMEOUT",
      message: expect.stringContaining("lookup.bySlug on the control silo"),
    });
    // The lookup was told the routed call's budget, not its own 5000 ms.
    expect(budgets).toEqual(["1000"]);
  });

  it("cancels a hanging routing lookup when the caller aborts", async () => {
    const t = topology();
    const client = caller(t);
    const controller = new AbortController();
    const call = settle(client.probe.bySlug.query({ slug: "acme" }, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.outcome.at).toBe(T0 + 100);
    expect(call.outcome.error).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
  });

  it("counts every attempt and pause against the budget, and skips a pause that would pass it", async () => {
    const t = topology();
    let attempts = 0;
    const refused: typeof fetch = async () => {
      attempts++;
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
      });
    };
    // Pauses are 50 then 200 ms: with 120 ms the second pause would pass the deadline.
    const client = caller(t, { methodTimeouts: new Map([["probe.wait", 120]]) }, refused);
    const call = settle(client.probe.wait.query({ regionName: "eu" }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toBe(2);
    expect(call.outcome.at).toBe(T0 + 50);
    expect(call.outcome.error).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringContaining("connection refused"),
    });
    // Each attempt said what was left.
    expect(budgets).toEqual(["120", "70"]);
  });

  it("ends a call whose attempts hang at its budget: one budget, not one per attempt", async () => {
    const t = topology();
    // Every attempt answers 503 after 600 ms: retried, each attempt on what is left (with a
    // timeout per attempt, three attempts and two pauses would take 2050 ms).
    const slow503: typeof fetch = (_input, init) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(new Response("{}", { status: 503 })), 600);
        init?.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(init.signal?.reason);
        });
      });
    const client = caller(t, { methodTimeouts: new Map([["probe.wait", 1000]]) }, slow503);
    const call = settle(client.probe.wait.query({ regionName: "eu" }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(call.outcome.at).toBe(T0 + 1000);
    expect(call.outcome.error).toMatchObject({
      code: "TIMEOUT",
      message:
        'probe.wait on the region "eu" silo (http://eu.silo.test/api/0/internal/rpc/probe/wait/) timed out after 1000 ms.',
    });
    // At 0 ms 1000 left; at 650 (600, then the 50 ms pause) 350 left, and the budget ends it.
    expect(budgets).toEqual(["1000", "350"]);
  });
});

describe("the receiver", () => {
  it("aborts the method's signal when the caller's budget is spent, and the caller sees TIMEOUT", async () => {
    const t = topology();
    const client = caller(t, { methodTimeouts: new Map([["probe.wait", 800]]) });
    const call = settle(client.probe.wait.query({ regionName: "eu" }));
    await vi.advanceTimersByTimeAsync(799);
    expect(waits).toEqual([{ silo: "eu" }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(waits[0]?.abortedAt).toBe(T0 + 800);
    expect(call.outcome.error).toMatchObject({ code: "TIMEOUT" });
  });

  it("shares what is left of its budget with the calls its method makes", async () => {
    const t = topology();
    // The caller gives us.relay 1 s; relay calls eu.wait after 300 ms, whose own timeout is 5 s.
    const client = caller(t, { methodTimeouts: new Map([["probe.relay", 1000]]) });
    const call = settle(client.probe.relay.query({ regionName: "us", to: "eu", afterMs: 300 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(budgets).toEqual(["1000"]);
    // The nested request said 700 ms (what relay had left), and eu's wait stopped at 1 s.
    const nested = t.requests.find((r) => r.url.endsWith("/probe/wait/"));
    expect(nested?.headers.get("x-rpc-budget-ms")).toBe("700");
    expect(waits).toEqual([expect.objectContaining({ silo: "eu", abortedAt: T0 + 1000 })]);
    expect(call.outcome).toMatchObject({ at: T0 + 1000, error: { code: "TIMEOUT" } });
  });

  it("answers 408 at the budget even when the method ignores its signal, capped by RPC_MAX_BUDGET_MS", async () => {
    const hang = defineService({
      key: "hang",
      localMode: "CONTROL",
      methods: { forever: controlQuery({ input: z.object({}), output: z.null() }) },
    });
    const impl = implementationsFor<object>()(hang, { forever: () => new Promise(() => {}) });
    const endpoint = createRpcEndpoint(
      new SiloRuntime({
        config: siloConfig({ secrets: [TEST_SECRET], maxBudgetMs: 2000 }),
        registry: new ServiceRegistry([{ contract: hang, load: async () => impl }]),
        mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
        createContext: () => ({}),
      }),
    );
    const path = "/api/0/internal/rpc/hang/forever/";
    const body = Buffer.from('{"args":{},"meta":{}}');
    const request = (budgetMs: number) => {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...signRequest(TEST_SECRET, path, body, { budgetMs }),
      };
      return { method: "POST", path, header: (name: string) => headers[name], body };
    };
    const within = settle(endpoint(request(500)));
    const capped = settle(endpoint(request(999_999_999)));
    await vi.advanceTimersByTimeAsync(500);
    expect(within.outcome).toMatchObject({ at: T0 + 500, value: { status: 408 } });
    expect(JSON.parse(within.outcome.value?.body ?? "{}")).toEqual({
      error: {
        code: "TIMEOUT",
        message: "hang.forever did not finish within its budget of 500 ms.",
      },
    });
    await vi.advanceTimersByTimeAsync(1500);
    expect(capped.outcome).toMatchObject({ at: T0 + 2000, value: { status: 408 } });
  });

  it("aborts the method's signal when the client goes away", async () => {
    const t = topology();
    const client = caller(t);
    const controller = new AbortController();
    const call = settle(
      client.probe.wait.query({ regionName: "eu" }, { signal: controller.signal }),
    );
    await vi.advanceTimersByTimeAsync(200);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.outcome.error).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(waits).toEqual([expect.objectContaining({ silo: "eu", abortedAt: T0 + 200 })]);
  });
});

describe("LazyAbort: a request's signal, made only when read", () => {
  it("is made on first read, once, and starts watching then", () => {
    const watched: unknown[] = [];
    const lazy = new LazyAbort((abort) => watched.push(abort));
    expect(watched).toEqual([]);
    const signal = lazy.signal;
    expect(lazy.signal).toBe(signal);
    expect(watched).toHaveLength(1);
    expect(signal.aborted).toBe(false);
    // What the watcher was given aborts it (the adapter's "client left").
    (watched[0] as (reason?: unknown) => void)("client left");
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("client left");
  });

  it("aborted before anyone read it: the signal is made aborted, with that reason, unwatched", () => {
    let watched = 0;
    const lazy = new LazyAbort(() => watched++);
    const reason = new Error("budget spent");
    lazy.abort(reason);
    lazy.abort(new Error("a second reason is ignored"));
    expect(lazy.aborted).toBe(true);
    expect(lazy.signal.aborted).toBe(true);
    expect(lazy.signal.reason).toBe(reason);
    expect(watched).toBe(0);
  });

  it("aborts a signal already read, and its listeners run", () => {
    const lazy = new LazyAbort();
    const heard: unknown[] = [];
    lazy.signal.addEventListener("abort", () => heard.push(lazy.signal.reason));
    lazy.abort("timeout");
    expect(heard).toEqual(["timeout"]);
  });

  it("reaches a handler that reads its signal, and is never made for one that does not", async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const service = defineService({
      key: "lazy",
      localMode: "CONTROL",
      methods: {
        reads: controlQuery({ input: z.object({}), output: z.boolean() }),
        ignores: controlQuery({ input: z.object({}), output: z.boolean() }),
      },
    });
    const impl = implementationsFor<object>()(service, {
      reads: async ({ signal }) => {
        seen.push(signal);
        return signal?.aborted ?? false;
      },
      ignores: async ({ input }) => input !== undefined,
    });
    const runtime = new SiloRuntime({
      config: siloConfig({ regions: [] }),
      registry: new ServiceRegistry([{ contract: service, load: async () => impl }]),
      mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
      createContext: () => ({}),
    });
    let made = 0;
    const lazy = () => new LazyAbort(() => made++);
    expect(await runtime.callLocal("lazy", "ignores", {}, lazy())).toBe(true);
    expect(made).toBe(0);
    const aborted = lazy();
    aborted.abort("gone");
    expect(await runtime.callLocal("lazy", "reads", {}, aborted)).toBe(true);
    expect(await runtime.callLocal("lazy", "reads", {}, lazy())).toBe(false);
    expect(made).toBe(1);
    expect(seen.map((signal) => signal?.aborted)).toEqual([true, false]);
  });
});
