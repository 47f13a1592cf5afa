// outboxBacklog: what waits in each outbox, per category and region, on every database engine.
import { createTestDatabase, testEngines } from "@acme/db/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { beforeEach, describe, expect, it } from "vitest";
import { OutboxDrain, outboxBacklog } from "../src/index.ts";

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
const message = <Extra extends object = object>(
  category: string,
  shardId: string,
  extra: Extra = {} as Extra,
) => ({
  category,
  shardScope: "organization",
  shardId,
  objectId: shardId,
  payload: { shardId },
  ...extra,
});

describe.each(testEngines)("outboxBacklog [%s]", (engine) => {
  const database = suiteResource(
    () => createTestDatabase(engine),
    (made) => made.dispose(),
  ).get;
  const db = () => database().db;

  beforeEach(async () => {
    await db().regionOutbox.deleteMany();
    await db().controlOutbox.deleteMany();
    await db().outboxLease.deleteMany();
  });

  it("an empty outbox has no rows", async () => {
    expect(await outboxBacklog(db(), "REGION_TO_CONTROL")).toEqual([]);
    expect(await outboxBacklog(db(), "CONTROL_TO_REGION")).toEqual([]);
  });

  it("counts a region's messages per category: waiting, shards, oldest, failing, last error", async () => {
    await db().regionOutbox.createMany({
      data: [
        message("organization.updated", "a", { createdAt: ago(90) }),
        message("organization.updated", "a", { createdAt: ago(30) }),
        message("organization.updated", "b", {
          createdAt: ago(60),
          attempts: 1,
          lastError: "older: retried first",
          scheduledFor: ago(-5),
        }),
        message("organization.updated", "c", {
          attempts: 3,
          lastError: "TIMEOUT: control did not answer",
          scheduledFor: ago(-20),
        }),
        message("user.renamed", "d"),
      ],
    });

    const rows = await outboxBacklog(db(), "REGION_TO_CONTROL");

    expect(rows.map((row) => row.category)).toEqual(["organization.updated", "user.renamed"]);
    const [updated, renamed] = rows;
    expect(updated).toMatchObject({
      regionName: "",
      waiting: 4,
      shards: 3,
      failing: 2,
      // The error of the message retried latest, with its shard.
      lastError: {
        message: "TIMEOUT: control did not answer",
        shard: { regionName: "", scope: "organization", id: "c" },
        attempts: 3,
      },
    });
    // Counts are numbers, not the bigints count(*) comes back as.
    expect(typeof updated?.waiting).toBe("number");
    expect(updated?.oldestAgeSeconds).toBeGreaterThan(85);
    expect(updated?.oldestAgeSeconds).toBeLessThan(150);
    expect(Math.abs((updated?.oldestCreatedAt.getTime() ?? 0) - ago(90).getTime())).toBeLessThan(
      60_000,
    );
    expect(updated?.lastError?.retryAt.getTime()).toBeGreaterThan(Date.now());
    expect(renamed).toMatchObject({ waiting: 1, shards: 1, failing: 0, lastError: null });
  });

  it("splits control's outbox by the region each message is for", async () => {
    await db().controlOutbox.createMany({
      data: [
        message("organizationMapping.changed", "a", { regionName: "us" }),
        message("organizationMapping.changed", "a", { regionName: "eu" }),
        message("organizationMapping.changed", "b", {
          regionName: "eu",
          attempts: 1,
          lastError: "eu is down",
        }),
      ],
    });

    const rows = await outboxBacklog(db(), "CONTROL_TO_REGION");

    expect(rows).toMatchObject([
      {
        regionName: "eu",
        waiting: 2,
        shards: 2,
        failing: 1,
        lastError: { message: "eu is down", shard: { regionName: "eu", id: "b" } },
      },
      { regionName: "us", waiting: 1, shards: 1, failing: 0, lastError: null },
    ]);
    expect(await outboxBacklog(db(), "REGION_TO_CONTROL")).toEqual([]);
  });

  it("reports what the drain keeps of a failed delivery, and nothing once it is delivered", async () => {
    let down = true;
    const drain = new OutboxDrain(db(), "REGION_TO_CONTROL", async () => {
      if (down) throw new Error("control is down");
    });
    await db().regionOutbox.create({ data: message("organization.updated", "a") });
    const shard = { regionName: "", scope: "organization", id: "a" };

    await drain.drainShard(shard);
    expect(await outboxBacklog(db(), "REGION_TO_CONTROL")).toMatchObject([
      {
        waiting: 1,
        failing: 1,
        lastError: { message: "Error: control is down", attempts: 1, shard: { id: "a" } },
      },
    ]);

    down = false;
    await db().regionOutbox.updateMany({ data: { scheduledFor: ago(1) } });
    expect(await drain.drainShard(shard)).toBe(1);
    expect(await outboxBacklog(db(), "REGION_TO_CONTROL")).toEqual([]);
  });
});
