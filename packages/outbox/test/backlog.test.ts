// outboxBacklog and outboxShards: what waits in each outbox, per category and region, and per
// shard with its head message, on every database engine.
import { createTestDatabase, testEngines } from "@acme/db/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { beforeEach, describe, expect, it } from "vitest";
import { OutboxDrain, outboxBacklog, outboxShards } from "../src/index.ts";

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

  it("lists the waiting shards oldest head first, each with its count and head message, and how many in all", async () => {
    expect(await outboxShards(db(), "REGION_TO_CONTROL")).toEqual({ shards: [], total: 0 });
    await db().regionOutbox.create({ data: message("organization.updated", "b") });
    await db().regionOutbox.create({
      data: message("organization.updated", "a", {
        objectId: "a-1",
        attempts: 2,
        lastError: "SERVICE_UNAVAILABLE: control is down",
        scheduledFor: ago(-30),
      }),
    });
    await db().regionOutbox.create({ data: message("user.renamed", "a") });
    await db().regionOutbox.create({ data: message("organization.updated", "c") });

    const all = await outboxShards(db(), "REGION_TO_CONTROL");

    expect(all.total).toBe(3);
    // b's head was written first, then a's; a's later message waits behind its failing head.
    expect(all.shards).toMatchObject([
      {
        shard: { regionName: "", scope: "organization", id: "b" },
        waiting: 1,
        head: { category: "organization.updated", object: "b", attempts: 0, due: true },
      },
      {
        shard: { id: "a" },
        waiting: 2,
        head: {
          category: "organization.updated",
          object: "a-1",
          attempts: 2,
          due: false,
          lastError: "SERVICE_UNAVAILABLE: control is down",
        },
      },
      { shard: { id: "c" }, waiting: 1, head: { lastError: null } },
    ]);
    expect(all.shards[1]?.head.id).toMatch(/^\d+$/);
    expect(all.shards[1]?.head.scheduledFor.getTime()).toBeGreaterThan(Date.now());
    expect(typeof all.shards[0]?.waiting).toBe("number");
    // A page: the first shards only, and still how many there are.
    const first = await outboxShards(db(), "REGION_TO_CONTROL", 1);
    expect(first.total).toBe(3);
    expect(first.shards.map((row) => row.shard.id)).toEqual(["b"]);
  });

  it("keeps control's shards apart by region", async () => {
    await db().controlOutbox.createMany({
      data: [
        message("organizationMapping.changed", "a", { regionName: "us" }),
        message("organizationMapping.changed", "a", { regionName: "eu", lastError: "eu is down" }),
        message("organizationMapping.changed", "a", { regionName: "eu" }),
      ],
    });

    const page = await outboxShards(db(), "CONTROL_TO_REGION");

    expect(page).toMatchObject({
      total: 2,
      shards: [
        { shard: { regionName: "us", id: "a" }, waiting: 1, head: { lastError: null } },
        { shard: { regionName: "eu", id: "a" }, waiting: 2, head: { lastError: "eu is down" } },
      ],
    });
    expect(await outboxShards(db(), "REGION_TO_CONTROL")).toEqual({ shards: [], total: 0 });
  });
});
