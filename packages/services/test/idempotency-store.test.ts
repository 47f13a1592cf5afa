// The idempotency stores' shared semantics (packages/rpc idempotency.ts): in memory, and in the
// silo's database (idempotency_keys) on every engine under test. On a fake clock.
import { createTestDatabase, type TestDatabase, testEngines } from "@acme/db/testing";
import {
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  MemoryIdempotencyStore,
  requestHash,
  siloConfig,
} from "@acme/rpc";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it, onTestFinished } from "vitest";
import { databaseIdempotencyStore } from "../src/idempotency.ts";
import { createAppRuntime } from "../src/runtime.ts";

const LEASE_MS = 5_000;
const TTL_MS = 60_000;

interface Kind {
  readonly name: string;
  readonly database?: () => TestDatabase;
  readonly make: (options: IdempotencyStoreOptions) => IdempotencyStore;
  /** Stores for `count` processes of one silo: sharing one memory, or one database. */
  readonly processes: (count: number, options: IdempotencyStoreOptions) => IdempotencyStore[];
}

// One database per engine for the whole file (each test uses keys of its own).
const databases = new Map(
  testEngines.map((engine) => [
    engine,
    suiteResource(
      () => createTestDatabase(engine),
      (made) => made.dispose(),
    ).get,
  ]),
);
const kinds: Kind[] = [
  {
    name: "memory",
    make: (options) => new MemoryIdempotencyStore(options),
    processes: (count, options) => Array(count).fill(new MemoryIdempotencyStore(options)),
  },
  ...testEngines.map((engine) => {
    const database = () => (databases.get(engine) as () => TestDatabase)();
    const make = (options: IdempotencyStoreOptions) =>
      databaseIdempotencyStore(database().db, options);
    return {
      name: `database, ${engine}`,
      database,
      make,
      processes: (count: number, options: IdempotencyStoreOptions) =>
        Array.from({ length: count }, () => make(options)),
    };
  }),
];

let keys = 0;
/** A key no other test uses (the stores of one engine share a database). */
const freshKey = () => `test-${process.pid}-${++keys}`;
const call = (key: string, args: unknown = {}, path = "svc.create") => ({
  key,
  path,
  requestHash: requestHash(args),
});

describe.each(kinds)("idempotency store: $name", (kind) => {
  /** A store on a clock the test moves. */
  const store = () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    return { clock, store: kind.make({ now: () => clock.now, leaseMs: LEASE_MS, ttlMs: TTL_MS }) };
  };
  const begin = async (s: IdempotencyStore, request: ReturnType<typeof call>) => {
    const begun = await s.begin(request);
    if (begun.status !== "new") throw new Error(`expected new, got ${begun.status}`);
    return begun.token;
  };

  it("runs a key's first call; replays its result for the same method and arguments", async () => {
    const { store: s } = store();
    const key = freshKey();
    const token = await begin(s, call(key, { slug: "acme", n: 1 }));
    await s.complete(key, token, { id: "o-1", when: "2026-01-01T00:00:00.000Z", tags: [1, null] });
    expect(await s.begin(call(key, { n: 1, slug: "acme" }))).toEqual({
      status: "replay",
      response: { id: "o-1", when: "2026-01-01T00:00:00.000Z", tags: [1, null] },
    });
    // A method that returns nothing replays nothing.
    const other = freshKey();
    await s.complete(other, await begin(s, call(other)), null);
    expect(await s.begin(call(other))).toEqual({ status: "replay", response: null });
  });

  it("refuses the key for other arguments or another method, running or done", async () => {
    const { store: s } = store();
    const key = freshKey();
    const token = await begin(s, call(key, { slug: "acme" }));
    expect(await s.begin(call(key, { slug: "other" }))).toEqual({
      status: "mismatch",
      path: "svc.create",
    });
    await s.complete(key, token, 1);
    expect(await s.begin(call(key, { slug: "acme" }, "svc.delete"))).toEqual({
      status: "mismatch",
      path: "svc.create",
    });
  });

  it("holds a running call's key until it completes or is abandoned; a failed call's key is free", async () => {
    const { store: s } = store();
    const key = freshKey();
    const token = await begin(s, call(key));
    expect(await s.begin(call(key))).toEqual({ status: "in-progress" });
    await s.abandon(key, token);
    await begin(s, call(key, { different: "arguments are fine once released" }));
  });

  it("a dead call's key is taken over when its lease ends; its late completion is then ignored", async () => {
    const { clock, store: s } = store();
    const key = freshKey();
    const dead = await begin(s, call(key));
    clock.now += LEASE_MS - 1;
    expect(await s.begin(call(key))).toEqual({ status: "in-progress" });
    clock.now += 1;
    const retry = await begin(s, call(key));
    await s.complete(key, dead, "from the dead call");
    await s.abandon(key, dead);
    expect(await s.begin(call(key))).toEqual({ status: "in-progress" });
    await s.complete(key, retry, "from the retry");
    expect(await s.begin(call(key))).toEqual({ status: "replay", response: "from the retry" });
  });

  it("forgets a completed key after its TTL (counted from completion), and deletes expired keys", async () => {
    const { clock, store: s } = store();
    const key = freshKey();
    const token = await begin(s, call(key));
    clock.now += LEASE_MS - 1;
    await s.complete(key, token, "done");
    clock.now += TTL_MS - 1;
    expect(await s.begin(call(key))).toEqual({ status: "replay", response: "done" });
    clock.now += 1;
    await begin(s, call(key, { new: "call" }));

    const database = kind.database?.();
    if (database === undefined) return;
    // A fresh store sweeps on its first call: rows past expires_at are deleted, others kept.
    const expired = freshKey();
    await begin(s, call(expired));
    const later = kind.make({ now: () => clock.now + LEASE_MS, leaseMs: LEASE_MS, ttlMs: TTL_MS });
    await later.begin(call(freshKey()));
    const left = await database.db.idempotencyKey.findMany({
      where: { key: { in: [key, expired] } },
      select: { key: true },
    });
    expect(left).toEqual([]);
  });

  it("of many concurrent first calls with one key, exactly one runs", async () => {
    const now = Date.UTC(2026, 0, 1);
    const stores = kind.processes(8, { now: () => now, leaseMs: LEASE_MS, ttlMs: TTL_MS });
    const key = freshKey();
    const begun = await Promise.all(stores.map((s) => s.begin(call(key))));
    expect(begun.filter((b) => b.status === "new")).toHaveLength(1);
    expect(begun.filter((b) => b.status === "in-progress")).toHaveLength(7);
  });

  it("of many concurrent takeovers of an expired key, exactly one runs", async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const stores = kind.processes(8, { now: () => clock.now, leaseMs: LEASE_MS, ttlMs: TTL_MS });
    const key = freshKey();
    await begin(stores[0] as IdempotencyStore, call(key));
    clock.now += LEASE_MS;
    const begun = await Promise.all(stores.map((other) => other.begin(call(key))));
    expect(begun.filter((b) => b.status === "new")).toHaveLength(1);
    expect(begun.filter((b) => b.status === "in-progress")).toHaveLength(7);
  });
});

describe.each(testEngines)("createAppRuntime [%s]", (engine) => {
  it("runs the silo's mutations under their keys in its database, for the configured TTL", async () => {
    const database = (databases.get(engine) as () => TestDatabase)();
    const config = siloConfig({ regions: [{ name: "us" }], idempotencyTtlSeconds: 3_600 });
    const { client, outbox } = createAppRuntime({ config, db: database.db });
    // upsert tells the regions through the outbox: let its drains finish before the test ends.
    onTestFinished(async () => {
      const drains = outbox?.drains ?? [];
      await Promise.all(drains.map((drain) => drain.settled()));
      await Promise.all(drains.map((drain) => drain.stop()));
    });
    const key = freshKey();
    const mapping = {
      organizationId: "01940000-0000-7000-8000-00000000cafe",
      slug: `idem-${engine}`,
      name: "Before",
      regionName: "us",
    };
    const started = Date.now();
    const first = await client.organizationMapping.upsert.mutate(mapping, {
      context: { idempotencyKey: key },
    });
    // Another call changes the mapping; the retry of the first gets the first's result.
    await client.organizationMapping.upsert.mutate({ ...mapping, name: "After" });
    expect(
      await client.organizationMapping.upsert.mutate(mapping, { context: { idempotencyKey: key } }),
    ).toEqual(first);
    expect(first).toMatchObject({ name: "Before" });
    const row = await database.db.idempotencyKey.findUnique({
      where: { key },
      select: { path: true, state: true, expiresAt: true },
    });
    expect(row).toMatchObject({ path: "organizationMapping.upsert", state: "DONE" });
    const ttl = (row?.expiresAt.getTime() ?? 0) - started;
    expect(ttl).toBeGreaterThanOrEqual(3_600_000);
    expect(ttl).toBeLessThan(3_600_000 + 30_000);
  });
});
