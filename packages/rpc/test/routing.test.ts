// The routing runtime across a topology of silos talking through the real wire (in process).
import { afterEach, describe, expect, it } from "vitest";
import {
  createSiloClient,
  fanOut,
  ServiceRegistry,
  SiloRuntime,
  siloConfig,
  TRPCError,
  validationIssues,
} from "../src/index.ts";
import {
  addressOf,
  SILO_MODES,
  type SiloIdentity,
  siloName,
  TEST_SECRET,
  TestTopology,
} from "../src/testing.ts";
import { contracts, entries, MAPPINGS, MemoryMappings, type TestContext } from "./fixtures.ts";

type Topology = TestTopology<TestContext>;

function topology(
  config: ConstructorParameters<typeof TestTopology<TestContext>>[0]["config"] = {},
) {
  const contexts = new Map<string, TestContext>();
  const mappings = new Map<string, MemoryMappings>();
  const key = (silo: SiloIdentity) => siloName(silo);
  const t: Topology = new TestTopology<TestContext>({
    entries,
    config,
    mappings: (silo) => {
      const source = new MemoryMappings(MAPPINGS);
      mappings.set(key(silo), source);
      return source;
    },
    createContext: (silo) => {
      let ctx = contexts.get(key(silo));
      if (ctx === undefined) {
        ctx = { silo: key(silo), notes: new Map(), counter: { value: 0, calls: 0 } };
        contexts.set(key(silo), ctx);
      }
      return ctx;
    },
  });
  return {
    t,
    client: (silo: SiloIdentity) => createSiloClient(t.runtime(silo.mode, silo.region), contracts),
    context: (silo: SiloIdentity) => contexts.get(key(silo)),
  };
}

const hostsOf = (t: Topology, from: number) =>
  t.requests.slice(from).map((r) => new URL(r.url).host);

describe("routing", () => {
  it.each([
    ["MONOLITH", { mode: "MONOLITH" }, "acme", "MONOLITH", []],
    ["MONOLITH", { mode: "MONOLITH" }, "globex", "MONOLITH", []],
    ["CONTROL", { mode: "CONTROL" }, "acme", "REGION us", ["us.silo.test"]],
    ["CONTROL", { mode: "CONTROL" }, "globex", "REGION eu", ["eu.silo.test"]],
    ["REGION us", { mode: "REGION", region: "us" }, "acme", "REGION us", []],
    ["REGION us", { mode: "REGION", region: "us" }, "globex", "REGION eu", ["eu.silo.test"]],
  ] as const)(
    "%s runs a region method for %s in %s",
    async (_n, caller, slug, runsIn, requests) => {
      const { t, client, context } = topology();
      const before = t.requests.length;

      const { id } = await client(caller).note.add.mutate({ slug, text: "hello" });

      expect(hostsOf(t, before)).toEqual(requests);
      const owner =
        runsIn === "MONOLITH"
          ? { mode: "MONOLITH" as const }
          : runsIn === "REGION us"
            ? { mode: "REGION" as const, region: "us" }
            : { mode: "REGION" as const, region: "eu" };
      expect(context(owner)?.notes.get(id)).toEqual({ text: "hello", region: runsIn });
    },
  );

  it("sends CONTROL methods from a region to the control silo, and runs them in process elsewhere", async () => {
    const { t, client } = topology();
    for (const silo of SILO_MODES) {
      const before = t.requests.length;
      const result = await client(silo).clock.now.query({});
      const expected = silo.mode === "REGION" ? "CONTROL" : silo.mode;
      expect(result).toEqual({ silo: expected });
      expect(hostsOf(t, before)).toEqual(silo.mode === "REGION" ? ["control.silo.test"] : []);
    }
  });

  it("returns null without any request when the mapping is missing and the method allows it", async () => {
    const { t, client } = topology();
    const before = t.requests.length;
    expect(await client({ mode: "CONTROL" }).note.get.query({ slug: "nobody", id: 1 })).toBeNull();
    expect(t.requests.length).toBe(before);
  });

  it("fails with NOT_FOUND naming the organization when the mapping is missing otherwise", async () => {
    const { client } = topology();
    await expect(
      client({ mode: "CONTROL" }).note.add.mutate({ slug: "nobody", text: "x" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: 'No organization with slug "nobody" (no organization mapping).',
    });
  });

  it("rejects an unknown region with BAD_REQUEST naming the configured regions", async () => {
    const { client } = topology();
    for (const silo of SILO_MODES) {
      await expect(client(silo).note.count.query({ regionName: "mars" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: 'Unknown region "mars". Configured regions: us, eu.',
      });
    }
  });

  it("validates input before routing, with each issue's parameter path", async () => {
    const { t, client } = topology();
    const before = t.requests.length;
    const error = await client({ mode: "CONTROL" })
      .note.add.mutate({ slug: "acme", text: "" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect(validationIssues(error)).toEqual([
      { path: "text", message: "Too small: expected string to have >=1 characters" },
    ]);
    expect(t.requests.length).toBe(before);
  });

  it("resolves a mapping once, then from the cache", async () => {
    const source = new MemoryMappings(MAPPINGS);
    const { MappingCache } = await import("../src/index.ts");
    const cache = new MappingCache(source);
    const runtime = new SiloRuntime({
      config: siloConfig({ regions: [{ name: "us" }, { name: "eu" }] }),
      registry: new ServiceRegistry(entries),
      mappings: cache,
      createContext: () => ({ silo: "m", notes: new Map(), counter: { value: 0, calls: 0 } }),
    });
    const client = createSiloClient(runtime, contracts);
    for (let i = 0; i < 5; i++) await client.note.get.query({ slug: "acme", id: 1 });
    expect(source.lookups).toBe(1);
    cache.invalidate({ slug: "acme" });
    await client.note.get.query({ slug: "acme", id: 1 });
    expect(source.lookups).toBe(2);
  });
});

describe("errors across the wire", () => {
  it("keep the code and message of a TRPCError thrown by the implementation", async () => {
    const { client } = topology();
    for (const silo of SILO_MODES) {
      await expect(
        client(silo).note.fail.query({ slug: "globex", how: "forbidden" }),
      ).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: "Not your note.",
      });
    }
  });

  it("turn unexpected exceptions into a generic INTERNAL_SERVER_ERROR that leaks nothing", async () => {
    const { client } = topology();
    for (const silo of SILO_MODES) {
      const error = await client(silo)
        .note.fail.query({ slug: "globex", how: "crash" })
        .catch((caught: unknown) => caught as TRPCError);
      expect(error).toMatchObject({
        code: "INTERNAL_SERVER_ERROR",
        message: "Internal server error.",
      });
      expect(JSON.stringify(error)).not.toContain("hunter2");
    }
  });

  it("a disabled method fails before any request is made", async () => {
    const { t, client } = topology({ disabledMethods: new Set(["note.get"]) });
    const before = t.requests.length;
    await expect(
      client({ mode: "CONTROL" }).note.get.query({ slug: "globex", id: 1 }),
    ).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: "note.get is disabled in this silo (RPC_DISABLED_METHODS).",
    });
    expect(t.requests.length).toBe(before);
  });

  it("a wrong secret is refused and the caller sees UNAUTHORIZED", async () => {
    const { t } = topology();
    const caller = callerRuntime(t, { secrets: ["not-the-shared-secret"] });
    await expect(
      createSiloClient(caller, contracts).note.count.query({ regionName: "eu" }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Invalid RPC signature: signature does not match.",
    });
  });

  it("secret rotation: a receiver listing old and new secrets accepts callers signing with either", async () => {
    const { t } = topology({ secrets: [TEST_SECRET, "the-next-secret"] });
    for (const secret of ["the-next-secret", TEST_SECRET]) {
      const caller = callerRuntime(t, { secrets: [secret] });
      expect(
        await createSiloClient(caller, contracts).note.count.query({ regionName: "eu" }),
      ).toEqual({
        region: "REGION eu",
        count: 0,
      });
    }
  });
});

/** A CONTROL-mode caller outside the topology, reaching its silos through its network. */
function callerRuntime(
  t: Topology,
  overrides: Partial<Parameters<typeof siloConfig>[0]> = {},
  fetchImpl: typeof fetch = t.fetch,
) {
  return new SiloRuntime({
    config: siloConfig({
      mode: "CONTROL",
      secrets: [TEST_SECRET],
      regions: [
        { name: "us", address: addressOf({ mode: "REGION", region: "us" }) },
        { name: "eu", address: addressOf({ mode: "REGION", region: "eu" }) },
      ],
      ...overrides,
    }),
    registry: new ServiceRegistry(entries),
    mappings: new MemoryMappings(MAPPINGS),
    createContext: () => ({ silo: "caller", notes: new Map(), counter: { value: 0, calls: 0 } }),
    fetch: fetchImpl,
  });
}

describe("timeouts, retries and cancellation", () => {
  let attempts: string[] = [];
  afterEach(() => {
    attempts = [];
  });

  /** A network where the first `refusals` connections are refused, then `t.fetch` answers. */
  const flaky = (t: Topology, refusals: number): typeof fetch => {
    let left = refusals;
    return async (input, init) => {
      attempts.push(String(input));
      if (left-- > 0) {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
        });
      }
      return t.fetch(input, init);
    };
  };

  it("retries a query whose connection was refused, and succeeds", async () => {
    const { t } = topology();
    const client = createSiloClient(callerRuntime(t, {}, flaky(t, 2)), contracts);
    expect(await client.note.count.query({ regionName: "us" })).toMatchObject({
      region: "REGION us",
    });
    expect(attempts).toHaveLength(3);
  });

  it("never retries a mutation, and names the unreachable silo", async () => {
    const { t } = topology();
    const client = createSiloClient(callerRuntime(t, {}, flaky(t, 1)), contracts);
    await expect(client.note.add.mutate({ slug: "globex", text: "once" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringContaining(
        'note.add on the region "eu" silo (http://eu.silo.test/api/0/internal/rpc/note/add/): connection refused',
      ),
    });
    expect(attempts).toHaveLength(1);
  });

  it("retries a query answered 503 (disabled on the receiver), but not a mutation", async () => {
    const { t } = topology({ disabledMethods: new Set(["note.count", "note.add"]) });
    const client = createSiloClient(callerRuntime(t, {}, flaky(t, 0)), contracts);
    await expect(client.note.count.query({ regionName: "eu" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    expect(attempts).toHaveLength(3);
    attempts = [];
    await expect(client.note.add.mutate({ slug: "globex", text: "x" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    expect(attempts).toHaveLength(1);
  });

  it("retries a query answered 502 by a load balancer (its replica died mid-call), but not a mutation", async () => {
    const { t } = topology();
    let lost = 0;
    // The balancer's answer for the first attempt of each call: HAProxy's own 502 page.
    const balancer: typeof fetch = async (input, init) => {
      attempts.push(String(input));
      if (lost-- > 0) return new Response("<html>502 Bad Gateway</html>", { status: 502 });
      return t.fetch(input, init);
    };
    const client = createSiloClient(callerRuntime(t, {}, balancer), contracts);
    lost = 1;
    expect(await client.note.count.query({ regionName: "us" })).toMatchObject({
      region: "REGION us",
    });
    expect(attempts).toHaveLength(2);
    attempts = [];
    lost = 1;
    // It may have run: the caller decides (with its idempotency key), not the client.
    await expect(client.note.add.mutate({ slug: "globex", text: "x" })).rejects.toMatchObject({
      code: "BAD_GATEWAY",
    });
    expect(attempts).toHaveLength(1);
  });

  it("times out after the method's timeout, naming the destination", async () => {
    const { t } = topology();
    const regionCaller = new SiloRuntime({
      config: siloConfig({
        mode: "REGION",
        regionName: "us",
        secrets: [TEST_SECRET],
        controlAddress: addressOf({ mode: "CONTROL" }),
        regions: [{ name: "us", address: addressOf({ mode: "REGION", region: "us" }) }],
        methodTimeouts: new Map([["clock.slow", 50]]),
      }),
      registry: new ServiceRegistry(entries),
      mappings: new MemoryMappings(MAPPINGS),
      createContext: () => ({ silo: "caller", notes: new Map(), counter: { value: 0, calls: 0 } }),
      fetch: t.fetch,
    });
    const client = createSiloClient(regionCaller, contracts);
    // The method would answer after 5 s: only the 50 ms timeout can end the call before, and it
    // must say so (an answer, or any other error, fails the test however fast the machine).
    await expect(client.clock.slow.query({ ms: 5000 })).rejects.toMatchObject({
      code: "TIMEOUT",
      message:
        "clock.slow on the control silo (http://control.silo.test/api/0/internal/rpc/clock/slow/) timed out after 50 ms.",
    });
    // The override is clock.slow's alone: the same caller's other methods keep the default.
    expect(await client.clock.now.query({})).toEqual({ silo: "CONTROL" });
  });

  it("honours the caller's AbortSignal", async () => {
    const { t } = topology();
    const client = createSiloClient(callerRuntime(t), contracts);
    const controller = new AbortController();
    const call = client.note.count.query({ regionName: "eu" }, { signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toMatchObject({
      code: "CLIENT_CLOSED_REQUEST",
      message: expect.stringContaining("was cancelled by the caller"),
    });
  });
});

describe("fanOut", () => {
  it("returns every region's result or error, in region order", async () => {
    const { t, client } = topology();
    const control = client({ mode: "CONTROL" });
    await control.note.add.mutate({ slug: "globex", text: "eu note" });
    t.stop({ mode: "REGION", region: "us" });

    const results = await fanOut(t.control, (context, region) =>
      control.note.count.query({ regionName: region }, { context }),
    );

    expect(results).toMatchObject([
      { region: "us", ok: false, error: { code: "SERVICE_UNAVAILABLE" } },
      { region: "eu", ok: true, value: { region: "REGION eu", count: 1 } },
    ]);
  });
});
