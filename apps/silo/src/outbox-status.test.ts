// OutboxStatus: one backlog query shared by /healthz and scrapes, bounded in time; and the
// /healthz field made from it.
import type { Db } from "@acme/db";
import type { BacklogRow } from "@acme/outbox";
import { describe, expect, it } from "vitest";
import { OutboxStatus, outboxHealth } from "./outbox-status.ts";

/** A database whose backlog query answers `answer()` and counts the queries. */
function fakeDb(answer: () => Promise<unknown[]>) {
  const db = {
    queries: 0,
    $queryRawUnsafe: () => {
      db.queries++;
      return answer();
    },
  };
  return db as typeof db & Db;
}

const row = (fields: Partial<BacklogRow>): BacklogRow => ({
  category: "organization.updated",
  regionName: "",
  waiting: 1,
  shards: 1,
  oldestCreatedAt: new Date(),
  oldestAgeSeconds: 1,
  failing: 0,
  lastError: null,
  ...fields,
});

describe("OutboxStatus", () => {
  it("shares one query among reads within maxAgeMs, then queries again", async () => {
    const db = fakeDb(async () => []);
    const status = new OutboxStatus(db, ["REGION_TO_CONTROL"], { maxAgeMs: 50 });
    const [a, b] = await Promise.all([status.read(), status.read()]);
    expect(await status.read()).toEqual([{ outbox: "region", rows: [] }]);
    expect(a).toBe(b);
    expect(db.queries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await status.read();
    expect(db.queries).toBe(2);
  });

  it("answers with an error past timeoutMs, and does not start a second query meanwhile", async () => {
    let release = () => {};
    const db = fakeDb(() => new Promise((resolve) => (release = () => resolve([]))));
    const status = new OutboxStatus(db, ["REGION_TO_CONTROL", "CONTROL_TO_REGION"], {
      timeoutMs: 20,
      maxAgeMs: 0,
    });
    expect(await status.read()).toEqual([
      { outbox: "region", error: "timed out after 20 ms" },
      { outbox: "control", error: "timed out after 20 ms" },
    ]);
    await status.read();
    expect(db.queries).toBe(2); // one per outbox, not one per read
    release();
  });

  it("reports a failed query as that outbox's error", async () => {
    const db = fakeDb(async () => {
      throw Object.assign(new Error("relation does not exist"), { code: "P2010" });
    });
    const status = new OutboxStatus(db, ["CONTROL_TO_REGION"]);
    expect(await status.read()).toEqual([
      { outbox: "control", error: "P2010: relation does not exist" },
    ]);
  });
});

describe("outboxHealth", () => {
  it("adds up each outbox's categories and regions, with the error retried latest", () => {
    const retryAt = new Date("2026-12-03T10:00:00Z");
    const later = new Date("2026-12-03T10:01:00Z");
    const shard = (regionName: string, id: string) => ({ regionName, scope: "organization", id });
    const health = outboxHealth([
      {
        outbox: "control",
        rows: [
          row({
            regionName: "eu",
            waiting: 3,
            failing: 1,
            oldestAgeSeconds: 12.34,
            lastError: { message: "eu down", shard: shard("eu", "a"), attempts: 2, retryAt },
          }),
          row({
            category: "organizationMapping.changed",
            regionName: "us",
            waiting: 2,
            failing: 1,
            lastError: { message: "us down", shard: shard("us", "b"), attempts: 1, retryAt: later },
          }),
        ],
      },
      { outbox: "region", rows: [] },
    ]);
    expect(health).toEqual({
      control: {
        waiting: 5,
        oldestAgeSeconds: 12.3,
        failing: 2,
        lastError: {
          message: "us down",
          category: "organizationMapping.changed",
          shard: { scope: "organization", id: "b" },
          region: "us",
          attempts: 1,
          retryAt: later.toISOString(),
        },
      },
      region: { waiting: 0, oldestAgeSeconds: 0, failing: 0, lastError: null },
    });
  });
});
