import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../src/client.ts";
import { demoData, seedDemoData } from "../src/seed.ts";
import { createTestDatabase, type TestDatabase, testEngines } from "../src/testing.ts";

async function counts(db: Db) {
  return {
    users: await db.user.count(),
    integrations: await db.integration.count(),
    organizationMappings: await db.organizationMapping.count(),
    organizations: await db.organization.count(),
    members: await db.organizationMember.count(),
    projects: await db.project.count(),
    organizationIntegrations: await db.organizationIntegration.count(),
  };
}

const ALL = {
  users: demoData.users.length,
  integrations: demoData.integrations.length,
  organizationMappings: demoData.organizations.length,
  organizations: demoData.organizations.length,
  members: demoData.members.length,
  projects: demoData.projects.length,
  organizationIntegrations: demoData.organizationIntegrations.length,
};

describe.each(testEngines)("demo seed [%s]", (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it("loads users, organizations in us and eu, members, projects and mappings", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    expect(await seedDemoData(db)).toEqual(ALL);

    expect(await counts(db)).toEqual(ALL);
    const regions = await db.organizationMapping.groupBy({ by: ["regionName"], _count: true });
    expect(Object.fromEntries(regions.map((r) => [r.regionName, r._count]))).toEqual({
      us: 2,
      eu: 2,
    });
    // Every mapping names the id its organization has in the region database.
    const orgs = await db.organization.findMany({
      select: { id: true, slug: true },
      orderBy: { slug: "asc" },
    });
    const mappings = await db.organizationMapping.findMany({
      select: { organizationId: true, slug: true },
      orderBy: { slug: "asc" },
    });
    expect(mappings.map((m) => [m.organizationId, m.slug])).toEqual(
      orgs.map((o) => [o.id, o.slug]),
    );
  });

  it("is idempotent: a second run inserts nothing and changes nothing", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;
    await seedDemoData(db);
    const before = await db.organization.findMany({ orderBy: { id: "asc" } });

    const second = await seedDemoData(db);

    expect(Object.values(second)).toEqual(Object.values(ALL).map(() => 0));
    expect(await counts(db)).toEqual(ALL);
    expect(await db.organization.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });

  it("seeds only a silo's share: control data, or one region's organizations", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    await seedDemoData(db, { control: false, regions: ["eu"] });

    const slugs = (await db.organization.findMany({ select: { slug: true } }))
      .map((o) => o.slug)
      .sort();
    expect(slugs).toEqual(["globex", "umbrella"]);
    expect(await db.user.count()).toBe(0);
    expect(await db.organizationMapping.count()).toBe(0);
    expect(await db.organizationIntegration.count()).toBe(0);
    const euIds = new Set(demoData.organizations.filter((o) => o.region === "eu").map((o) => o.id));
    const members = await db.organizationMember.findMany();
    expect(members.length).toBe(demoData.members.filter((m) => euIds.has(m.organizationId)).length);
    expect(members.every((m) => euIds.has(m.organizationId))).toBe(true);

    await seedDemoData(db, { control: true, regions: [] });
    expect(await db.user.count()).toBe(demoData.users.length);
    expect(await db.organizationMapping.count()).toBe(demoData.organizations.length);
    expect(await db.organizationIntegration.count()).toBe(demoData.organizationIntegrations.length);
    expect(await db.organization.count()).toBe(2);
  });

  it("rejects a region the demo data does not have, writing nothing", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    await expect(seedDemoData(db, { control: true, regions: ["us", "mars"] })).rejects.toThrow(
      'The demo data has no region "mars"; its regions are us, eu.',
    );
    expect(await db.user.count()).toBe(0);
  });
});
