// Idempotency keys of mutations: the in-memory store's semantics, and what callers see in every
// silo mode, in process and over the wire (docs/wire-protocol.md §4.1). No test waits for time:
// stores take a fake clock, timeouts run on fake timers, and a running method waits on a gate.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  canonicalJson,
  checkIdempotencyKey,
  controlMutation,
  controlQuery,
  createSiloClient,
  defineService,
  type IdempotencyStore,
  implementationsFor,
  MemoryIdempotencyStore,
  requestHash,
  ServiceRegistry,
  SiloRuntime,
  siloConfig,
  TRPCError,
} from "../src/index.ts";
import { signRequest } from "../src/signing.ts";
import {
  addressOf,
  SILO_MODES,
  type SiloIdentity,
  siloName,
  TEST_SECRET,
  TestTopology,
} from "../src/testing.ts";

// A ledger in the control silo: `add` is a plain mutation (each run adds an entry), `set` one
// declared idempotent (retried by the runtime), `hold` waits for the test's gate before it adds,
// `flaky` fails on its first run.
const account = z.string().min(1);
const ledgerService = defineService({
  key: "ledger",
  localMode: "CONTROL",
  methods: {
    add: controlMutation({
      input: z.object({ account, amount: z.number().int() }),
      output: z.object({ entry: z.number(), balance: z.number(), at: z.string() }),
    }),
    set: controlMutation({
      input: z.object({ account, balance: z.number().int() }),
      output: z.object({ balance: z.number() }),
      idempotent: true,
    }),
    hold: controlMutation({
      input: z.object({ account }),
      output: z.object({ entry: z.number() }),
    }),
    flaky: controlMutation({
      input: z.object({ account }),
      output: z.object({ entry: z.number() }),
    }),
    balance: controlQuery({ input: z.object({ account }), output: z.number() }),
  },
});
const contracts = [ledgerService] as const;

interface Ledger {
  entries: number;
  readonly balances: Map<string, number>;
}

/** A promise the test resolves: `hold` waits on it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
let holdGate = gate();
/** Resolved by `hold` when it starts running. */
let holdStarted = gate();
let flakyFailures = 0;

const ledgerImpl = implementationsFor<Ledger>()(ledgerService, {
  add: async ({ input, ctx }) => {
    const balance = (ctx.balances.get(input.account) ?? 0) + input.amount;
    ctx.balances.set(input.account, balance);
    ctx.entries++;
    return { entry: ctx.entries, balance, at: new Date(Date.now()).toISOString() };
  },
  set: async ({ input, ctx }) => {
    ctx.balances.set(input.account, input.balance);
    ctx.entries++;
    return { balance: input.balance };
  },
  hold: async ({ ctx }) => {
    holdStarted.open();
    await holdGate.opened;
    ctx.entries++;
    return { entry: ctx.entries };
  },
  flaky: async ({ ctx }) => {
    if (flakyFailures++ === 0) throw new TRPCError({ code: "CONFLICT", message: "Not now." });
    ctx.entries++;
    return { entry: ctx.entries };
  },
  balance: async ({ input, ctx }) => ctx.balances.get(input.account) ?? 0,
});
const entries = [{ contract: ledgerService, load: async () => ledgerImpl }];

/** The silo that runs the ledger for a caller: MONOLITH runs it itself, the others ask CONTROL. */
const ownerOf = (silo: SiloIdentity): SiloIdentity =>
  silo.mode === "MONOLITH" ? silo : { mode: "CONTROL" };

/** A store that reports each completion, so a test can wait for the stored result. */
class ObservedStore implements IdempotencyStore {
  readonly inner: MemoryIdempotencyStore;
  completed = gate();
  constructor(now?: () => number) {
    this.inner = new MemoryIdempotencyStore(now ? { now } : {});
  }
  begin: IdempotencyStore["begin"] = (request) => this.inner.begin(request);
  abandon: IdempotencyStore["abandon"] = (key, token) => this.inner.abandon(key, token);
  complete: IdempotencyStore["complete"] = async (key, token, response) => {
    await this.inner.complete(key, token, response);
    this.completed.open();
  };
}

function topology(options: { stores?: boolean; config?: Parameters<typeof siloConfig>[0] } = {}) {
  const ledgers = new Map<string, Ledger>();
  const stores = new Map<string, ObservedStore>();
  const t = new TestTopology<Ledger>({
    entries,
    mappings: () => ({
      bySlug: async () => null,
      byId: async () => null,
      single: async () => null,
    }),
    ...(options.config ? { config: options.config } : {}),
    idempotency: (silo) => {
      if (options.stores === false) return undefined;
      const store = new ObservedStore();
      stores.set(siloName(silo), store);
      return store;
    },
    createContext: (silo) => {
      let ledger = ledgers.get(siloName(silo));
      if (ledger === undefined) {
        ledger = { entries: 0, balances: new Map() };
        ledgers.set(siloName(silo), ledger);
      }
      return ledger;
    },
  });
  return {
    t,
    client: (silo: SiloIdentity) => createSiloClient(t.runtime(silo.mode, silo.region), contracts),
    /** Runs of the ledger's mutations in the silo that owns it for `silo`'s calls. */
    runs: (silo: SiloIdentity) => ledgers.get(siloName(ownerOf(silo)))?.entries ?? 0,
    store: (silo: SiloIdentity) => stores.get(siloName(silo)) as ObservedStore,
  };
}

/** What requests carried in `meta`, in order. */
const metaOf = async (requests: readonly Request[]) =>
  Promise.all(
    requests.map(async (request) => ((await request.clone().json()) as { meta: unknown }).meta),
  );

afterEach(() => {
  vi.useRealTimers();
  holdGate = gate();
  holdStarted = gate();
  flakyFailures = 0;
});

describe("MemoryIdempotencyStore", () => {
  const request = (key: string, args: unknown, path = "ledger.add") => ({
    key,
    path,
    requestHash: requestHash(args),
  });

  it("gives a key to its first call; a later one with the same method and arguments gets its result, any other a mismatch", async () => {
    const store = new MemoryIdempotencyStore({ now: () => 0 });
    const begun = await store.begin(request("k1", { amount: 1 }));
    expect(begun).toEqual({ status: "new", token: expect.any(String) });
    if (begun.status !== "new") return;
    await store.complete("k1", begun.token, { entry: 1 });

    expect(await store.begin(request("k1", { amount: 1 }))).toEqual({
      status: "replay",
      response: { entry: 1 },
    });
    expect(await store.begin(request("k1", { amount: 2 }))).toEqual({
      status: "mismatch",
      path: "ledger.add",
    });
    expect(await store.begin(request("k1", { amount: 1 }, "ledger.set"))).toEqual({
      status: "mismatch",
      path: "ledger.add",
    });
    expect(await store.begin(request("k2", { amount: 1 }))).toMatchObject({ status: "new" });
  });

  it("holds a running call's key until it completes or is abandoned, or its lease ends", async () => {
    let now = 1_000;
    const store = new MemoryIdempotencyStore({ now: () => now, leaseMs: 500, ttlMs: 10_000 });
    const first = await store.begin(request("k", {}));
    if (first.status !== "new") throw new Error("expected new");
    expect(await store.begin(request("k", {}))).toEqual({ status: "in-progress" });

    await store.abandon("k", first.token);
    const second = await store.begin(request("k", {}));
    if (second.status !== "new") throw new Error("expected new after abandon");

    // Its process died: the lease ends and the next call takes the key over.
    now += 499;
    expect(await store.begin(request("k", {}))).toEqual({ status: "in-progress" });
    now += 1;
    const third = await store.begin(request("k", {}));
    if (third.status !== "new") throw new Error("expected new after the lease");
    // The call that lost its lease can neither complete nor release the new holder's key.
    await store.complete("k", second.token, "stale");
    await store.abandon("k", second.token);
    expect(await store.begin(request("k", {}))).toEqual({ status: "in-progress" });
    await store.complete("k", third.token, "fresh");
    expect(await store.begin(request("k", {}))).toEqual({ status: "replay", response: "fresh" });
  });

  it("forgets a completed key after its TTL", async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ now: () => now, ttlMs: 1_000, leaseMs: 1_000 });
    const begun = await store.begin(request("k", {}));
    if (begun.status !== "new") throw new Error("expected new");
    await store.complete("k", begun.token, null);
    now = 999;
    expect(await store.begin(request("k", {}))).toEqual({ status: "replay", response: null });
    now = 1_000;
    expect(await store.begin(request("k", { other: true }))).toMatchObject({ status: "new" });
    // Expired keys are dropped by the sweep, not kept forever.
    now = 100_000;
    await store.begin(request("other", {}));
    expect(store.size).toBe(1);
  });

  it("hashes arguments as a JSON value: property order and spacing do not matter, values do", () => {
    expect(canonicalJson({ b: [{ y: 1, x: "é" }], a: null })).toBe(
      '{"a":null,"b":[{"x":"é","y":1}]}',
    );
    expect(requestHash(JSON.parse('{ "a": 1, "b": {"d": 2, "c": 3} }'))).toBe(
      requestHash({ b: { c: 3, d: 2 }, a: 1.0 }),
    );
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: "1" }));
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
    // What crosses the wire: undefined properties are absent, dates are their ISO text.
    expect(requestHash({ a: undefined, d: new Date(0) })).toBe(
      requestHash({ d: "1970-01-01T00:00:00.000Z" }),
    );
  });

  it("accepts keys of 1 to 128 characters of [A-Za-z0-9_.:-], and names any other", () => {
    for (const key of ["a", "x".repeat(128), "order-42:create_v1.2", crypto.randomUUID()]) {
      expect(checkIdempotencyKey("ledger.add", key)).toBe(key);
    }
    for (const [key, shown] of [
      ["", '""'],
      ["x".repeat(129), `"${"x".repeat(129)}"`],
      ["has space", '"has space"'],
      ["é", '"é"'],
      [42, "number"],
    ] as const) {
      expect(() => checkIdempotencyKey("ledger.add", key)).toThrow(
        expect.objectContaining({
          code: "BAD_REQUEST",
          message: `Invalid idempotency key for ledger.add: ${shown} is not 1 to 128 characters of [A-Za-z0-9_.:-].`,
        }),
      );
    }
  });
});

describe.each(SILO_MODES.map((silo) => [siloName(silo), silo] as const))(
  "idempotency keys, called from %s",
  (_name, silo) => {
    it("a retry with the caller's key gets the first call's result; the method runs once", async () => {
      const { client, runs } = topology();
      const context = { idempotencyKey: "deposit-1" };
      const first = await client(silo).ledger.add.mutate({ account: "a", amount: 5 }, { context });
      const again = await client(silo).ledger.add.mutate({ amount: 5, account: "a" }, { context });
      expect(again).toEqual(first);
      expect(runs(silo)).toBe(1);
      expect(await client(silo).ledger.balance.query({ account: "a" })).toBe(5);
      // Without a key (or with another), each call is a call of its own.
      await client(silo).ledger.add.mutate({ account: "a", amount: 5 });
      await client(silo).ledger.add.mutate(
        { account: "a", amount: 5 },
        { context: { idempotencyKey: "deposit-2" } },
      );
      expect(await client(silo).ledger.balance.query({ account: "a" })).toBe(15);
    });

    it("the same key with other arguments, or for another method: 422 UNPROCESSABLE_CONTENT, nothing runs", async () => {
      const { client, runs } = topology();
      const context = { idempotencyKey: "k-1" };
      await client(silo).ledger.add.mutate({ account: "a", amount: 5 }, { context });
      await expect(
        client(silo).ledger.add.mutate({ account: "a", amount: 6 }, { context }),
      ).rejects.toMatchObject({
        code: "UNPROCESSABLE_CONTENT",
        message: 'Idempotency key "k-1" was used for a call of ledger.add with other arguments.',
      });
      await expect(
        client(silo).ledger.set.mutate({ account: "a", balance: 0 }, { context }),
      ).rejects.toMatchObject({
        code: "UNPROCESSABLE_CONTENT",
        message: 'Idempotency key "k-1" was used for a call of ledger.add, not ledger.set.',
      });
      expect(runs(silo)).toBe(1);
    });

    it("a call whose method failed releases its key: the retry runs the method", async () => {
      const { client, runs } = topology();
      const context = { idempotencyKey: "flaky-1" };
      await expect(
        client(silo).ledger.flaky.mutate({ account: "a" }, { context }),
      ).rejects.toMatchObject({ code: "CONFLICT", message: "Not now." });
      expect(await client(silo).ledger.flaky.mutate({ account: "a" }, { context })).toEqual({
        entry: 1,
      });
      expect(runs(silo)).toBe(1);
    });

    it("a second call while the first is running: 409 CONFLICT without running it; afterwards the first's result", async () => {
      const { client, runs, store } = topology();
      const context = { idempotencyKey: "hold-1" };
      const first = client(silo).ledger.hold.mutate({ account: "a" }, { context });
      await holdStarted.opened;
      await expect(
        client(silo).ledger.hold.mutate({ account: "a" }, { context }),
      ).rejects.toMatchObject({
        code: "CONFLICT",
        message:
          'ledger.hold with idempotency key "hold-1" is still running: retry once it has finished.',
      });
      holdGate.open();
      expect(await first).toEqual({ entry: 1 });
      await store(ownerOf(silo)).completed.opened;
      expect(await client(silo).ledger.hold.mutate({ account: "a" }, { context })).toEqual({
        entry: 1,
      });
      expect(runs(silo)).toBe(1);
    });

    it("a malformed key is 400 BAD_REQUEST naming it, and nothing runs; a query ignores any key", async () => {
      const { client, runs } = topology();
      await expect(
        client(silo).ledger.add.mutate(
          { account: "a", amount: 1 },
          { context: { idempotencyKey: "no spaces" } },
        ),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message:
          'Invalid idempotency key for ledger.add: "no spaces" is not 1 to 128 characters of [A-Za-z0-9_.:-].',
      });
      expect(runs(silo)).toBe(0);
      expect(
        await client(silo).ledger.balance.query(
          { account: "a" },
          { context: { idempotencyKey: "no spaces" } },
        ),
      ).toBe(0);
    });
  },
);

describe("idempotency keys on the wire", () => {
  const REGION = { mode: "REGION", region: "us" } as const;

  it("a mutation sends a key of its own (an idempotent one only its caller's, the same on every attempt); a query sends none", async () => {
    // The retries' pauses (50 and 200 ms) pass on a fake clock.
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const retried = async <T>(call: Promise<T>) => {
      await vi.advanceTimersByTimeAsync(250);
      return call;
    };
    const { t } = topology();
    const attempts: Request[] = [];
    let refusals = 2;
    const caller = new SiloRuntime({
      config: siloConfig({
        mode: "REGION",
        regionName: "us",
        secrets: [TEST_SECRET],
        controlAddress: addressOf({ mode: "CONTROL" }),
        regions: [{ name: "us", address: addressOf(REGION) }],
      }),
      registry: new ServiceRegistry(entries),
      mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
      createContext: () => ({ entries: 0, balances: new Map() }),
      // The first two connections are refused: an idempotent mutation is retried twice.
      fetch: async (input, init) => {
        attempts.push(new Request(input, init));
        if (refusals-- > 0) {
          throw new TypeError("fetch failed", {
            cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
          });
        }
        return t.fetch(input, init);
      },
    });
    const client = createSiloClient(caller, contracts);

    // ledger.set is declared idempotent: it may run again, so no key is made for it.
    await retried(client.ledger.set.mutate({ account: "a", balance: 1 }));
    expect(await metaOf(attempts)).toEqual([{}, {}, {}]);

    refusals = 1;
    attempts.length = 0;
    await retried(
      client.ledger.set.mutate(
        { account: "a", balance: 1 },
        { context: { idempotencyKey: "mine" } },
      ),
    );
    expect(await metaOf(attempts)).toEqual([
      { idempotencyKey: "mine" },
      { idempotencyKey: "mine" },
    ]);

    attempts.length = 0;
    await client.ledger.add.mutate({ account: "a", amount: 1 });
    await client.ledger.add.mutate({ account: "a", amount: 1 });
    await client.ledger.balance.query({ account: "a" }, { context: { idempotencyKey: "mine" } });
    const [first, second, query] = await metaOf(attempts);
    expect(first).toEqual({ idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(second).toEqual({ idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(first).not.toEqual(second);
    expect(query).toEqual({});
  });

  it("a caller that timed out while the method finished gets the first call's result when it retries with its key", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const { t, runs, store } = topology({
      config: { methodTimeouts: new Map([["ledger.hold", 1_000]]) },
    });
    const client = createSiloClient(t.runtime("REGION", "us"), contracts);
    const context = { idempotencyKey: "create-acme" };

    const first = client.ledger.hold.mutate({ account: "a" }, { context });
    first.catch(() => undefined);
    await holdStarted.opened;
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(first).rejects.toMatchObject({ code: "TIMEOUT" });
    // The unknown outcome: control is still running it. A retry does not run it again.
    await expect(client.ledger.hold.mutate({ account: "a" }, { context })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    holdGate.open();
    await store({ mode: "CONTROL" }).completed.opened;
    expect(await client.ledger.hold.mutate({ account: "a" }, { context })).toEqual({ entry: 1 });
    expect(runs(REGION)).toBe(1);
  });

  it("a receiver checks meta.idempotencyKey of a mutation (null is none), and ignores a query's", async () => {
    const { t, runs } = topology();
    const send = async (method: string, args: unknown, meta: unknown) => {
      const path = `/api/0/internal/rpc/ledger/${method}/`;
      const body = Buffer.from(JSON.stringify({ args, meta }));
      const response = await t.fetch(`${addressOf({ mode: "CONTROL" })}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signRequest(TEST_SECRET, path, body) },
        body,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const add = { account: "a", amount: 2 };

    expect(await send("add", add, { idempotencyKey: 7 })).toEqual({
      status: 400,
      body: {
        error: {
          code: "BAD_REQUEST",
          message:
            "Invalid idempotency key for ledger.add: number is not 1 to 128 characters of [A-Za-z0-9_.:-].",
        },
      },
    });
    expect(runs({ mode: "CONTROL" })).toBe(0);
    const first = await send("add", add, { idempotencyKey: "raw-1" });
    expect(first.status).toBe(200);
    // The same arguments written differently are the same arguments.
    expect(await send("add", { amount: 2, account: "a" }, { idempotencyKey: "raw-1" })).toEqual(
      first,
    );
    expect(runs({ mode: "CONTROL" })).toBe(1);
    for (const meta of [{ idempotencyKey: null }, {}, "not an object", null]) {
      expect((await send("add", add, meta)).status).toBe(200);
    }
    expect(runs({ mode: "CONTROL" })).toBe(5);
    expect(await send("balance", { account: "a" }, { idempotencyKey: "no spaces" })).toEqual({
      status: 200,
      body: { value: 10, meta: {} },
    });
  });

  it("a call in process records a key only when its caller chose one", async () => {
    const { client, store } = topology();
    const monolith = { mode: "MONOLITH" } as const;
    await client(monolith).ledger.add.mutate({ account: "a", amount: 1 });
    expect(store(monolith).inner.size).toBe(0);
    await client(monolith).ledger.add.mutate(
      { account: "a", amount: 1 },
      { context: { idempotencyKey: "chosen" } },
    );
    expect(store(monolith).inner.size).toBe(1);
  });

  it("a silo without a store checks keys but does not enforce them: a retry runs again", async () => {
    const { client, runs } = topology({ stores: false });
    const context = { idempotencyKey: "k" };
    await client(REGION).ledger.add.mutate({ account: "a", amount: 1 }, { context });
    await client(REGION).ledger.add.mutate({ account: "a", amount: 1 }, { context });
    expect(runs(REGION)).toBe(2);
  });
});
