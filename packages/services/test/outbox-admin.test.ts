// The outbox services for operators (controlOutbox, regionOutbox), over the real wire on every
// database engine: the backlog shows what waits with its error while the silo it is for is down,
// and deliverNow delivers it once that silo is back. The admin's Outboxes page calls them.
import { testEngines } from "@acme/db/testing";
import { createOutbox } from "@acme/services/runtime";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { beforeEach, describe, expect, it } from "vitest";
import { uuidv7 } from "../src/ids.ts";
import { regionOutboxImpl } from "../src/outbox/admin-impl.ts";
import { createServiceTopology } from "../src/testing.ts";

const MONOLITH = { mode: "MONOLITH" } as const;
const CONTROL = { mode: "CONTROL" } as const;
const EU = { mode: "REGION", region: "eu" } as const;
const US = { mode: "REGION", region: "us" } as const;
const EMPTY = { everyRegion: false, categories: [], shards: [], shardsWaiting: 0 };

describe.each(testEngines)("the outbox services [%s]", (engine) => {
  const services = suiteResource(
    () => createServiceTopology(engine),
    (made) => made.dispose(),
  ).get;
  const db = (name: string) => {
    const found = services().databases.get(name);
    if (found === undefined) throw new Error(`no database ${name}`);
    return found.db;
  };
  /** What a region's drain would deliver to control: an organization's new state. */
  const organizationUpdated = (organizationId: string, slug: string) => ({
    category: "organization.updated",
    shardScope: "organization",
    shardId: organizationId,
    objectId: organizationId,
    payload: { organizationId, slug, name: slug, regionName: "eu", status: "ACTIVE" },
  });

  beforeEach(async () => {
    for (const name of ["monolith", "control", "us", "eu"]) {
      await db(name).regionOutbox.deleteMany();
      await db(name).controlOutbox.deleteMany();
      await db(name).outboxLease.deleteMany();
    }
  });

  it("an empty outbox: nothing waiting, asked from every silo", async () => {
    for (const caller of [MONOLITH, CONTROL, US, EU]) {
      const client = services().client(caller);
      expect(await client.controlOutbox.backlog.query({})).toEqual(EMPTY);
      expect(await client.regionOutbox.backlog.query({ regionName: "eu" })).toEqual(
        // A MONOLITH's region outbox is every region's.
        caller === MONOLITH ? { ...EMPTY, everyRegion: true } : EMPTY,
      );
    }
  });

  it("a region's message waits while control is down, with its error; deliverNow delivers it once control is back", async () => {
    const { topology } = services();
    const us = services().client(US);
    const organizationId = uuidv7();
    // As if eu committed it and its drain had not delivered it yet.
    await db("eu").regionOutbox.create({
      data: organizationUpdated(organizationId, `waits-${engine}`),
    });
    topology.stop(CONTROL);
    try {
      // Asked from us: the call goes to eu, whose drain tries control.
      expect(await us.regionOutbox.deliverNow.mutate({ regionName: "eu" })).toEqual({
        delivered: 0,
        everyRegion: false,
      });
      const backlog = await us.regionOutbox.backlog.query({ regionName: "eu" });
      expect(backlog).toMatchObject({
        everyRegion: false,
        categories: [
          {
            category: "organization.updated",
            regionName: null,
            waiting: 1,
            shards: 1,
            failing: 1,
            lastError: {
              message: expect.stringMatching(/^SERVICE_UNAVAILABLE: /),
              shard: { scope: "organization", id: organizationId },
              attempts: 1,
            },
          },
        ],
        shards: [
          {
            regionName: null,
            shard: { scope: "organization", id: organizationId },
            waiting: 1,
            head: {
              category: "organization.updated",
              object: organizationId,
              attempts: 1,
              // The backoff's wait: the next attempt is later.
              due: false,
              lastError: expect.stringMatching(/^SERVICE_UNAVAILABLE: /),
            },
          },
        ],
        shardsWaiting: 1,
      });
      const [row] = backlog.categories;
      expect(Date.parse(row?.lastError?.retryAt ?? "")).toBeGreaterThan(Date.now());
      expect(Date.parse(row?.oldestCreatedAt ?? "")).toBeLessThanOrEqual(Date.now() + 60_000);
      // Nothing reached control.
      expect(await db("control").organizationMapping.count({ where: { organizationId } })).toBe(0);
    } finally {
      topology.start(CONTROL);
    }

    // The backoff's wait is skipped: delivered at once, not at the next attempt.
    expect(await us.regionOutbox.deliverNow.mutate({ regionName: "eu" })).toEqual({
      delivered: 1,
      everyRegion: false,
    });
    expect(await us.regionOutbox.backlog.query({ regionName: "eu" })).toEqual(EMPTY);
    expect(
      await db("control").organizationMapping.findUnique({
        where: { organizationId },
        select: { slug: true, regionName: true },
      }),
    ).toEqual({ slug: `waits-${engine}`, regionName: "eu" });
  });

  it("control's outbox, by region: a message for a region that is down waits; deliverNow delivers it once the region is back", async () => {
    const { topology } = services();
    const us = services().client(US);
    const organizationId = uuidv7();
    const changed = (regionName: string) => ({
      regionName,
      category: "organizationMapping.changed",
      shardScope: "organization",
      shardId: organizationId,
      objectId: organizationId,
      payload: { organizationId, slugs: ["moved"] },
    });
    await db("control").controlOutbox.createMany({ data: [changed("us"), changed("eu")] });
    topology.stop(EU);
    try {
      // us's message is delivered; eu's waits. (Not checked by its count: the sweep drains the
      // two shards side by side, and OutboxDrain.sweep loses one of their counts.)
      await us.controlOutbox.deliverNow.mutate({});
      expect(await us.controlOutbox.backlog.query({})).toMatchObject({
        categories: [
          {
            category: "organizationMapping.changed",
            regionName: "eu",
            waiting: 1,
            failing: 1,
            lastError: { message: expect.stringMatching(/^SERVICE_UNAVAILABLE: /), attempts: 1 },
          },
        ],
        shards: [{ regionName: "eu", shard: { id: organizationId }, head: { attempts: 1 } }],
        shardsWaiting: 1,
      });
    } finally {
      topology.start(EU);
    }
    expect(await us.controlOutbox.deliverNow.mutate({})).toEqual({
      delivered: 1,
      everyRegion: false,
    });
    expect(await us.controlOutbox.backlog.query({})).toEqual(EMPTY);
  });

  it("lists the first shardLimit shards, and how many wait in all", async () => {
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    for (const [index, id] of ids.entries()) {
      await db("us").regionOutbox.create({ data: organizationUpdated(id, `page-${index}`) });
    }
    const page = await services()
      .client(CONTROL)
      .regionOutbox.backlog.query({ regionName: "us", shardLimit: 2 });
    expect(page.shards.map((row) => row.shard.id)).toEqual(ids.slice(0, 2));
    expect(page.shardsWaiting).toBe(3);
    expect(page.categories).toMatchObject([{ waiting: 3, shards: 3, failing: 0 }]);
  });

  it("a MONOLITH keeps one region outbox for every region: any regionName shows and delivers all of it", async () => {
    const monolith = services().client(MONOLITH);
    const organizationId = uuidv7();
    await db("monolith").regionOutbox.create({
      data: organizationUpdated(organizationId, `monolith-${engine}`),
    });
    for (const regionName of ["us", "eu"]) {
      expect(await monolith.regionOutbox.backlog.query({ regionName })).toMatchObject({
        everyRegion: true,
        categories: [{ category: "organization.updated", waiting: 1 }],
      });
    }
    expect(await monolith.regionOutbox.deliverNow.mutate({ regionName: "us" })).toEqual({
      delivered: 1,
      everyRegion: true,
    });
    expect(await monolith.regionOutbox.backlog.query({ regionName: "eu" })).toEqual({
      ...EMPTY,
      everyRegion: true,
    });
    expect(await db("monolith").organizationMapping.count({ where: { organizationId } })).toBe(1);
  });

  it("a process without the drain of that direction says so (PRECONDITION_FAILED)", async () => {
    // Control's outbox and drain only: the region outbox is not this process's to show.
    const control = services().client(CONTROL);
    const ctx = {
      db: db("control"),
      client: control,
      outbox: createOutbox("CONTROL", db("control"), control, () => ["us", "eu"]),
    };
    // The router's procedures as the runtime calls them in this process.
    const caller = regionOutboxImpl.router.createCaller(ctx) as unknown as Record<
      "backlog" | "deliverNow",
      (input: { regionName: string }) => Promise<unknown>
    >;
    for (const method of ["backlog", "deliverNow"] as const) {
      await expect(caller[method]({ regionName: "us" })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message:
          "This process does not drain a region's outbox (REGION_TO_CONTROL): only region silos and a MONOLITH do.",
      });
    }
  });
});
