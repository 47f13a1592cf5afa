// The demo's cross-silo writes through the outboxes, in one process over the real wire (each silo
// with its own database): each handler is idempotent, creation is all or nothing, and slugs stay
// unique across regions through reservations in control. Process kills: apps/silo's tests.
import { demoData } from "@acme/db";
import { testEngines } from "@acme/db/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../src/ids.ts";
import { createServiceTopology } from "../src/testing.ts";

const owner = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
const CONTROL = { mode: "CONTROL" } as const;
const EU = { mode: "REGION", region: "eu" } as const;
const US = { mode: "REGION", region: "us" } as const;

describe.each(testEngines)("outboxes of the demo [%s]", (engine) => {
  const services = suiteResource(
    () => createServiceTopology(engine),
    (made) => made.dispose(),
  ).get;
  const db = (name: string) => {
    const found = services().databases.get(name);
    if (found === undefined) throw new Error(`no database ${name}`);
    return found.db;
  };
  const message = (organizationId: string, slug: string, name: string, messageId: string) => ({
    messageId,
    category: "organization.updated" as const,
    shard: { scope: "organization", id: organizationId },
    object: organizationId,
    createdAt: new Date().toISOString(),
    payload: { organizationId, slug, name, regionName: "eu", status: "ACTIVE" as const },
  });

  it("organization.updated: delivered twice, or two organizations' messages in either order, leaves one mapping each", async () => {
    const eu = services().client(EU);
    const [a, b] = [uuidv7(), uuidv7()];
    // Out of order across shards: b's message (written later) arrives first.
    for (const delivery of [
      message(b, "twice-b", "B", "2"),
      message(a, "twice-a", "A", "1"),
      message(a, "twice-a", "A", "1"),
      message(b, "twice-b", "B", "2"),
    ]) {
      await eu.controlInbox.deliver.mutate({ message: delivery });
    }
    await services().settled();
    const mappings = await db("control").organizationMapping.findMany({
      where: { organizationId: { in: [a, b] } },
      select: { organizationId: true, slug: true, name: true, regionName: true },
      orderBy: { slug: "asc" },
    });
    expect(mappings).toEqual([
      { organizationId: a, slug: "twice-a", name: "A", regionName: "eu" },
      { organizationId: b, slug: "twice-b", name: "B", regionName: "eu" },
    ]);
  });

  it("organizationMapping.changed: delivered twice to a region, its routing cache forgets the organization both times", async () => {
    const control = services().client(CONTROL);
    const globex = demoData.organizations.find((o) => o.slug === "globex");
    if (globex === undefined) throw new Error("no globex");
    const delivery = {
      regionName: "us",
      message: {
        messageId: "7",
        category: "organizationMapping.changed" as const,
        shard: { scope: "organization", id: globex.id },
        object: globex.id,
        createdAt: new Date().toISOString(),
        payload: { organizationId: globex.id, slugs: ["globex"] },
      },
    };
    await control.regionInbox.deliver.mutate(delivery);
    await expect(control.regionInbox.deliver.mutate(delivery)).resolves.toBeNull();
  });

  it("a message of a category no silo knows, or a payload its schema refuses, is refused with 400 and handled by nobody", async () => {
    const eu = services().client(EU);
    const id = uuidv7();
    await expect(
      eu.controlInbox.deliver.mutate({
        message: { ...message(id, "bad-slug!", "X", "3") } as never,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      eu.controlInbox.deliver.mutate({
        message: { ...message(id, "fine", "X", "3"), category: "organization.vanished" } as never,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db("control").organizationMapping.count({ where: { organizationId: id } })).toBe(
      0,
    );
  });

  it("createOrganization while control is down fails fast and leaves nothing in the region", async () => {
    const { topology } = services();
    const eu = services().client(EU);
    const before = await db("eu").organization.count();
    topology.stop(CONTROL);
    try {
      await expect(
        eu.organization.createOrganization.mutate({
          regionName: "eu",
          slug: "while-control-is-down",
          name: "Down",
          ownerUserId: owner,
        }),
      ).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    } finally {
      topology.start(CONTROL);
    }
    expect(await db("eu").organization.count()).toBe(before);
    expect(await db("eu").regionOutbox.count()).toBe(0);
  });

  it("a slug reserved for an organization being created in one region is refused in another until its reservation is released", async () => {
    const us = services().client(US);
    const control = services().client(CONTROL);
    const pending = uuidv7();
    await control.organizationMapping.reserveSlug.mutate({
      slug: "reserved-slug",
      organizationId: pending,
      regionName: "eu",
    });
    const create = () =>
      us.organization.createOrganization.mutate({
        regionName: "us",
        slug: "reserved-slug",
        name: "Second",
        ownerUserId: owner,
      });
    await expect(create()).rejects.toMatchObject({
      code: "CONFLICT",
      message:
        'The organization slug "reserved-slug" is taken: an organization is being created with it in eu.',
    });
    // Repeating the reservation for the same organization is harmless.
    await control.organizationMapping.reserveSlug.mutate({
      slug: "reserved-slug",
      organizationId: pending,
      regionName: "eu",
    });
    await control.organizationMapping.releaseSlug.mutate({
      slug: "reserved-slug",
      organizationId: pending,
    });
    const created = await create();
    await services().settled();
    expect(
      await db("control").organizationMapping.findUnique({ where: { slug: "reserved-slug" } }),
    ).toMatchObject({ organizationId: created.id, regionName: "us" });
    expect(await db("control").slugReservation.count({ where: { slug: "reserved-slug" } })).toBe(0);
  });

  it("an expired reservation is given up only when its region says the organization does not exist", async () => {
    const us = services().client(US);
    const [ghost, committed] = [uuidv7(), uuidv7()];
    const expired = new Date(Date.now() - 1000);
    // eu died after reserving "ghost-slug" and before committing: nothing in eu.
    // eu committed "kept-slug" but its message has not reached control yet.
    await db("control").slugReservation.createMany({
      data: [
        { slug: "ghost-slug", organizationId: ghost, regionName: "eu", expiresAt: expired },
        { slug: "kept-slug", organizationId: committed, regionName: "eu", expiresAt: expired },
      ],
    });
    await db("eu").organization.create({
      data: { id: committed, slug: "kept-slug", name: "Kept" },
    });
    const create = (slug: string) =>
      us.organization.createOrganization.mutate({
        regionName: "us",
        slug,
        name: "New",
        ownerUserId: owner,
      });
    await expect(create("ghost-slug")).resolves.toMatchObject({ slug: "ghost-slug" });
    await expect(create("kept-slug")).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'The organization slug "kept-slug" is taken: another organization has it.',
    });
    await services().settled();
    // Control recorded the organization eu has, from eu's own answer.
    expect(
      await db("control").organizationMapping.findUnique({ where: { slug: "kept-slug" } }),
    ).toMatchObject({ organizationId: committed, regionName: "eu" });
    expect(await db("us").organization.count({ where: { slug: "kept-slug" } })).toBe(0);
  });

  it("updateOrganization while control is down succeeds for every caller; control's mapping shows the last update once it is back", async () => {
    const { topology } = services();
    const eu = services().client(EU);
    const umbrella = demoData.organizations.find((o) => o.slug === "umbrella");
    if (umbrella === undefined) throw new Error("no umbrella");
    // eu's routing cache knows umbrella (its lookup is a call to control).
    await eu.organization.getOrganizationById.query({ organizationId: umbrella.id });
    topology.stop(CONTROL);
    try {
      for (let i = 1; i <= 20; i++) {
        await expect(
          eu.organization.updateOrganization.mutate({
            organizationId: umbrella.id,
            name: `Umbrella ${i}`,
          }),
        ).resolves.toMatchObject({ name: `Umbrella ${i}` });
      }
      await services().settled();
      const waiting = await db("eu").regionOutbox.findMany({ orderBy: { id: "asc" } });
      expect(waiting).toHaveLength(20);
      expect(waiting[0]).toMatchObject({
        attempts: 1,
        lastError: expect.stringMatching(/UNAVAILABLE/),
      });
    } finally {
      topology.start(CONTROL);
    }
    // Back: one delivery (the newest, for the 20 coalesced messages) completes the mapping.
    const drain = services().outbox(EU).drains[0];
    expect(await drain?.deliverNow()).toBe(1);
    expect(await db("eu").regionOutbox.count()).toBe(0);
    expect(
      await db("control").organizationMapping.findUnique({
        where: { organizationId: umbrella.id },
        select: { name: true },
      }),
    ).toEqual({ name: "Umbrella 20" });
  });

  it("deleteOrganization leaves a tombstone: control drops the mapping and the organization's integrations, and every region's cache forgets it", async () => {
    const eu = services().client(EU);
    const us = services().client(US);
    const created = await eu.organization.createOrganization.mutate({
      regionName: "eu",
      slug: "short-lived",
      name: "Short-lived",
      ownerUserId: owner,
    });
    await services().settled();
    const integration = await db("control").integration.findFirstOrThrow({ select: { id: true } });
    await db("control").organizationIntegration.create({
      data: { organizationId: created.id, integrationId: integration.id },
    });
    // us routes the slug to eu (and caches it).
    expect(await us.organization.getOrgBySlug.query({ slug: "short-lived" })).toMatchObject({
      id: created.id,
    });

    await eu.organization.deleteOrganization.mutate({ organizationId: created.id });
    await services().settled();

    expect(await db("eu").organization.count({ where: { id: created.id } })).toBe(0);
    expect(
      await db("control").organizationMapping.count({ where: { organizationId: created.id } }),
    ).toBe(0);
    expect(
      await db("control").organizationIntegration.count({
        where: { organizationId: created.id },
      }),
    ).toBe(0);
    // us's cache was told (organizationMapping.changed): no stale route to eu.
    expect(await us.organization.getOrgBySlug.query({ slug: "short-lived" })).toBeNull();
    // The slug is free again.
    await expect(
      us.organization.createOrganization.mutate({
        regionName: "us",
        slug: "short-lived",
        name: "Again",
        ownerUserId: owner,
      }),
    ).resolves.toMatchObject({ slug: "short-lived" });
  });

  it("updateUser reaches the replica of the regions where the user is a member, and only those", async () => {
    const control = services().client(CONTROL);
    const dmitri = demoData.users.find((u) => u.email === "dmitri@example.com");
    if (dmitri === undefined) throw new Error("no dmitri");
    await control.user.updateUser.mutate({ userId: dmitri.id, name: "Dmitri P." });
    await services().settled();
    // A member in eu (globex, umbrella), of nothing in us.
    expect(
      await db("eu").userReplica.findUnique({
        where: { userId: dmitri.id },
        select: { name: true },
      }),
    ).toEqual({ name: "Dmitri P." });
    expect(await db("us").userReplica.count({ where: { userId: dmitri.id } })).toBe(0);
    // Region code reads it without a call to control.
    const globex = demoData.organizations.find((o) => o.slug === "globex");
    const members = await services()
      .client(EU)
      .organization.listMembers.query({ organizationId: globex?.id ?? "" });
    expect(members.find((member) => member.userId === dmitri.id)?.user).toEqual({
      email: "dmitri@example.com",
      name: "Dmitri P.",
      isActive: true,
    });
  });
});
