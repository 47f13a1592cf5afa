// NOTIFY/LISTEN on a silo's database: what one process sends, every process on the database
// hears once the sending transaction commits; a PostgreSQL subscription whose connection broke
// is opened again and says so (notifications sent meanwhile are lost).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db, listenDb, notifyDb } from "../src/index.ts";
import { createTestDatabase, type TestDatabase, testEngines } from "../src/testing.ts";

/** Resolves with the next payload `listen` hears. */
function nextPayload(payloads: string[]): Promise<string> {
  const seen = payloads.length;
  return new Promise((resolve) => {
    const check = () => {
      if (payloads.length > seen) resolve(payloads[seen] as string);
      else setTimeout(check, 5);
    };
    check();
  });
}

describe.each(testEngines)("listenDb and notifyDb [%s]", (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it("hears a committed notification, and not one whose transaction rolled back", async () => {
    const payloads: string[] = [];
    const subscription = await listenDb(database.db, "test_channel", {
      onNotify: (payload) => payloads.push(payload),
    });
    try {
      await database.db
        .$transaction(async (tx) => {
          await notifyDb(tx as unknown as Db, "test_channel", "rolled back");
          throw new Error("roll back");
        })
        .catch(() => undefined);
      const next = nextPayload(payloads);
      await notifyDb(database.db, "test_channel", '{"organizationId":"o1"}');
      expect(await next).toBe('{"organizationId":"o1"}');
      expect(payloads).toEqual(['{"organizationId":"o1"}']);
    } finally {
      await subscription.close();
    }
  });
});

describe.skipIf(!testEngines.includes("postgres"))("listenDb across processes' clients", () => {
  let database: TestDatabase;
  let other: Db;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    other = await createDb(database.url, { migrate: false, poolSize: 1 });
  });
  afterAll(async () => {
    await other?.$disconnect();
    await database?.dispose();
  });

  it("hears another client's notifications, and resyncs after its connection is killed", async () => {
    const payloads: string[] = [];
    let resyncs = 0;
    const errors: unknown[] = [];
    const subscription = await listenDb(database.db, "replicas", {
      onNotify: (payload) => payloads.push(payload),
      onResync: () => resyncs++,
      onError: (error) => errors.push(error),
    });
    try {
      let next = nextPayload(payloads);
      await notifyDb(other, "replicas", "one");
      expect(await next).toBe("one");

      // The listening connection dies (a failover, an idle timeout): it comes back on its own.
      await other.$queryRawUnsafe(
        `SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      while (resyncs === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(errors.length).toBeGreaterThan(0);
      next = nextPayload(payloads);
      await notifyDb(other, "replicas", "two");
      expect(await next).toBe("two");
    } finally {
      await subscription.close();
    }
  });
});
