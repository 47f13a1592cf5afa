// The outbox's guarantees, on each test engine: a message commits with its change or not at all,
// delivery is in order within a shard (through failures), coalesced, backed off with a cap, and
// two drains never deliver one shard at once. Deliveries are a function here; the RPC path is
// tested in packages/services (in process and over the wire) and with processes in apps/silo.
import { createTestDatabase, type TestDatabase, testEngines } from "@acme/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Deliver,
  defineOutboxCategory,
  Outbox,
  OutboxDrain,
  type OutboxMessage,
  OutboxWriteError,
} from "../src/index.ts";

const noteChanged = defineOutboxCategory({
  name: "note.changed",
  direction: "REGION_TO_CONTROL",
  description: "A note's new text.",
  payload: z.object({ board: z.string(), note: z.string(), version: z.int() }),
  shard: (payload) => ({ scope: "board", id: payload.board }),
  object: (payload) => payload.note,
});
const boardPinged = defineOutboxCategory({
  name: "board.pinged",
  direction: "CONTROL_TO_REGION",
  description: "Control tells regions about a board.",
  payload: z.object({ board: z.string() }),
  shard: (payload) => ({ scope: "board", id: payload.board }),
  object: (payload) => payload.board,
});

/** Records every delivery; fails the ones `fail` says to. */
function recorder(fail: (message: OutboxMessage, attempt: number) => boolean = () => false) {
  const delivered: OutboxMessage[] = [];
  const attempts = new Map<string, number>();
  let inFlight = new Map<string, number>();
  let overlaps = 0;
  const deliver: Deliver = async (message) => {
    const shard = `${message.regionName}/${message.shard.scope}/${message.shard.id}`;
    const now = (inFlight.get(shard) ?? 0) + 1;
    inFlight.set(shard, now);
    if (now > 1) overlaps++;
    try {
      // Let other drains run while this one "is on the wire".
      await new Promise((resolve) => setImmediate(resolve));
      const attempt = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, attempt);
      if (fail(message, attempt)) throw new Error(`refused ${message.id} (attempt ${attempt})`);
      delivered.push(message);
    } finally {
      inFlight.set(shard, (inFlight.get(shard) ?? 1) - 1);
    }
  };
  return {
    deliver,
    delivered,
    get overlaps() {
      return overlaps;
    },
    reset() {
      delivered.length = 0;
      attempts.clear();
      inFlight = new Map();
      overlaps = 0;
    },
  };
}

const payloads = (messages: readonly OutboxMessage[]) =>
  messages.map((message) => message.payload as { board: string; note: string; version: number });

describe.each(testEngines)("outbox [%s]", (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.dispose();
  });
  beforeEach(async () => {
    await database.db.$executeRawUnsafe(
      "TRUNCATE region_outbox, control_outbox, outbox_leases RESTART IDENTITY",
    );
  });

  /** An outbox whose drains deliver to `deliver` and are never swept on a timer. */
  const outboxWith = (deliver: Deliver, options = {}) => {
    const drains = [
      new OutboxDrain(database.db, "REGION_TO_CONTROL", deliver, {
        baseDelayMs: 0,
        maxDelayMs: 0,
        ...options,
      }),
      new OutboxDrain(database.db, "CONTROL_TO_REGION", deliver, {
        baseDelayMs: 0,
        maxDelayMs: 0,
        ...options,
      }),
    ];
    return new Outbox(database.db, { drains, regions: () => ["us", "eu"] });
  };
  const waiting = async () => Number((await database.db.regionOutbox.count()) ?? 0);

  describe("writing", () => {
    it("commits a message with the change it describes, and delivers it right after", async () => {
      const sink = recorder();
      const outbox = outboxWith(sink.deliver);
      await outbox.transaction(async (tx, out) => {
        await tx.outboxLease.create({
          data: { outbox: "test", shard: "business-row", owner: "x", until: new Date() },
        });
        await out.send(noteChanged, { board: "b1", note: "n1", version: 1 });
      });
      await Promise.all(outbox.drains.map((drain) => drain.settled()));
      expect(payloads(sink.delivered)).toEqual([{ board: "b1", note: "n1", version: 1 }]);
      expect(sink.delivered[0]).toMatchObject({
        category: "note.changed",
        shard: { scope: "board", id: "b1" },
        object: "n1",
        attempts: 0,
        regionName: "",
      });
      expect(await waiting()).toBe(0);
    });

    it("writes nothing when the transaction rolls back, the message included", async () => {
      const sink = recorder();
      const outbox = outboxWith(sink.deliver);
      await expect(
        outbox.transaction(async (tx, out) => {
          await out.send(noteChanged, { board: "b1", note: "n1", version: 1 });
          await tx.outboxLease.create({
            data: { outbox: "test", shard: "business-row", owner: "x", until: new Date() },
          });
          throw new Error("the business write failed");
        }),
      ).rejects.toThrow("the business write failed");
      expect(await waiting()).toBe(0);
      expect(await database.db.outboxLease.count()).toBe(0);
      expect(sink.delivered).toEqual([]);
    });

    it("refuses a message once its transaction is over, a payload its schema refuses, and a direction this process does not drain", async () => {
      const sink = recorder();
      const outbox = outboxWith(sink.deliver);
      let leaked: Parameters<Parameters<Outbox["transaction"]>[0]>[1] | undefined;
      await outbox.transaction(async (_tx, out) => {
        leaked = out;
      });
      await expect(
        leaked?.send(noteChanged, { board: "b1", note: "n1", version: 1 }),
      ).rejects.toThrow(/inside Outbox.transaction, and that transaction is over/);

      await expect(
        outbox.transaction(async (_tx, out) => {
          await out.send(noteChanged, { board: "b1", note: "n1", version: 1.5 });
        }),
      ).rejects.toThrow(
        /note.changed: the payload does not match the category's schema: version: Invalid input: expected int/,
      );

      const regionOnly = new Outbox(database.db, {
        drains: [new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver)],
        regions: () => ["us"],
      });
      await expect(
        regionOnly.transaction(async (_tx, out) => {
          await out.send(boardPinged, { board: "b1" }, { region: "us" });
        }),
      ).rejects.toBeInstanceOf(OutboxWriteError);
      expect(await waiting()).toBe(0);
    });

    it("writes a message for every region as one message per region, each its own shard", async () => {
      const sink = recorder();
      const outbox = outboxWith(sink.deliver);
      await outbox.transaction(async (_tx, out) => {
        await out.send(boardPinged, { board: "b1" }, { everyRegion: true });
      });
      await Promise.all(outbox.drains.map((drain) => drain.settled()));
      expect(sink.delivered.map((message) => message.regionName).sort()).toEqual(["eu", "us"]);
      await expect(
        outbox.transaction(async (_tx, out) => {
          await out.send(boardPinged, { board: "b1" }, { region: "mars" });
        }),
      ).rejects.toThrow('board.pinged: there is no region "mars".');
    });
  });

  describe("delivery", () => {
    it("keeps each shard's order through failed deliveries, shards in parallel, no shard twice at once", async () => {
      // Every third attempt fails, whichever message it is: heads block their shard and retry.
      let attempt = 0;
      const sink = recorder(() => ++attempt % 3 === 0);
      const drain = new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver, {
        baseDelayMs: 0,
        maxDelayMs: 0,
      });
      const other = new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver, {
        baseDelayMs: 0,
        maxDelayMs: 0,
      });
      for (let version = 1; version <= 8; version++) {
        await database.db.regionOutbox.createMany({
          data: ["b1", "b2", "b3"].map((board) => ({
            category: "note.changed",
            shardScope: "board",
            shardId: board,
            // A distinct object per message: nothing coalesces, every message is delivered.
            objectId: `n${version}`,
            payload: { board, note: `n${version}`, version },
          })),
        });
      }
      // Two drains sweep together until the outbox is empty.
      for (let round = 0; round < 100 && (await waiting()) > 0; round++) {
        await Promise.all([drain.sweep(), other.sweep()]);
      }
      expect(await waiting()).toBe(0);
      expect(sink.overlaps).toBe(0);
      for (const board of ["b1", "b2", "b3"]) {
        expect(
          payloads(sink.delivered)
            .filter((payload) => payload.board === board)
            .map((payload) => payload.version),
        ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      }
    });

    it("coalesces the waiting messages about one object: only the newest is delivered", async () => {
      const sink = recorder();
      const drain = new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver);
      const message = (note: string, version: number) => ({
        category: "note.changed",
        shardScope: "board",
        shardId: "b1",
        objectId: note,
        payload: { board: "b1", note, version },
      });
      await database.db.regionOutbox.createMany({
        data: [message("n1", 1), message("n1", 2), message("n2", 1), message("n1", 3)],
      });
      expect(await drain.sweep()).toBe(2);
      expect(payloads(sink.delivered)).toEqual([
        { board: "b1", note: "n1", version: 3 },
        { board: "b1", note: "n2", version: 1 },
      ]);
      expect(await waiting()).toBe(0);
    });

    it("backs off exponentially up to its cap after failures, keeping the last error, and blocks the shard meanwhile", async () => {
      const failures: number[] = [];
      const drain = new OutboxDrain(
        database.db,
        "REGION_TO_CONTROL",
        async () => {
          throw Object.assign(new Error("control is down"), { code: "SERVICE_UNAVAILABLE" });
        },
        {
          baseDelayMs: 1000,
          maxDelayMs: 4000,
          onFailed: (_m, _e, retryInMs) => failures.push(retryInMs),
        },
      );
      await database.db.regionOutbox.createMany({
        data: [1, 2].map((version) => ({
          category: "note.changed",
          shardScope: "board",
          shardId: "b1",
          objectId: `n${version}`,
          payload: { board: "b1", note: `n${version}`, version },
        })),
      });
      for (let attempt = 0; attempt < 4; attempt++) {
        // Due again at once: the test moves the schedule instead of waiting for it.
        await database.db.regionOutbox.updateMany({ data: { scheduledFor: new Date(0) } });
        await drain.sweep();
      }
      // 1 s, 2 s, 4 s, 4 s (the cap), each with jitter: half to all of it.
      const caps = [1000, 2000, 4000, 4000];
      expect(failures).toHaveLength(4);
      failures.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual((caps[i] as number) / 2);
        expect(delay).toBeLessThanOrEqual(caps[i] as number);
      });
      const [head, next] = await database.db.regionOutbox.findMany({ orderBy: { id: "asc" } });
      expect(head).toMatchObject({
        attempts: 4,
        lastError: "SERVICE_UNAVAILABLE: control is down",
      });
      // Only the head was tried: the shard waits for it.
      expect(next).toMatchObject({ attempts: 0, lastError: null });
      const dueIn = (head?.scheduledFor.getTime() ?? 0) - Date.now();
      expect(dueIn).toBeGreaterThan(1000);
      expect(await drain.sweep()).toBe(0);
    });

    it("once a failed message goes through, the shards backing off from the same silo are delivered without waiting out their pauses", async () => {
      let down = true;
      const sink = recorder(() => down);
      // Pauses of a minute: only the wake-up can deliver the other shards within the test.
      const drain = new OutboxDrain(database.db, "CONTROL_TO_REGION", sink.deliver, {
        baseDelayMs: 60_000,
        maxDelayMs: 60_000,
      });
      await database.db.controlOutbox.createMany({
        data: ["eu", "us"].flatMap((regionName) =>
          ["b1", "b2", "b3"].map((board) => ({
            category: "board.pinged",
            regionName,
            shardScope: "board",
            shardId: board,
            objectId: board,
            payload: { board },
          })),
        ),
      });
      await drain.sweep();
      expect(await database.db.controlOutbox.count({ where: { attempts: 1 } })).toBe(6);
      // eu comes back; its b1 is tried again first (made due by hand).
      down = false;
      await database.db.controlOutbox.updateMany({
        where: { regionName: "eu", shardId: "b1" },
        data: { scheduledFor: new Date(0) },
      });
      await drain.sweep();
      await drain.settled();
      expect(sink.delivered.map((m) => `${m.regionName}/${m.shard.id}`).sort()).toEqual([
        "eu/b1",
        "eu/b2",
        "eu/b3",
      ]);
      // us was not heard from: its shards keep their pauses.
      expect(await database.db.controlOutbox.count({ where: { regionName: "us" } })).toBe(3);
      expect(await drain.sweep()).toBe(0);
    });

    it("leaves a shard leased by a live drain alone, and takes over one whose drain died", async () => {
      const sink = recorder();
      const drain = new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver);
      await database.db.regionOutbox.createMany({
        data: ["b1", "b2"].map((board) => ({
          category: "note.changed",
          shardScope: "board",
          shardId: board,
          objectId: "n1",
          payload: { board, note: "n1", version: 1 },
        })),
      });
      const hour = 3_600_000;
      await database.db.outboxLease.createMany({
        data: [
          // A drain elsewhere is delivering b1 now.
          {
            outbox: "region_outbox",
            shard: JSON.stringify(["", "board", "b1"]),
            owner: "alive",
            until: new Date(Date.now() + hour),
          },
          // A drain that was killed while delivering b2: its lease ran out.
          {
            outbox: "region_outbox",
            shard: JSON.stringify(["", "board", "b2"]),
            owner: "killed",
            until: new Date(Date.now() - 1),
          },
        ],
      });
      expect(await drain.sweep()).toBe(1);
      expect(payloads(sink.delivered)).toEqual([{ board: "b2", note: "n1", version: 1 }]);
      expect(await database.db.outboxLease.findMany({ select: { owner: true } })).toEqual([
        { owner: "alive" },
      ]);
      // The drain named "alive", started again (its process was killed), takes its lease back
      // at once rather than waiting an hour for it.
      const restarted = new OutboxDrain(database.db, "REGION_TO_CONTROL", sink.deliver, {
        owner: "alive",
      });
      expect(await restarted.sweep()).toBe(1);
      expect(await database.db.outboxLease.count()).toBe(0);
    });
  });
});
