import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../src/client.ts";
import { demoData, seedDemoData } from "../src/seed.ts";
import { createTestDatabase, type TestDatabase, testEngines } from "../src/testing.ts";

async function counts(db: Db) {
  return {
    organizationMappings: await db.organizationMapping.count(),
    // demo:start
    users: await db.user.count(),
    integrations: await db.integration.count(),
    organizations: await db.organization.count(),
    members: await db.organizationMember.count(),
    projects: await db.project.count(),
    userReplicas: await db.userReplica.count(),
    organizationIntegrations: await db.organizationIntegration.count(),
    // demo:end
  };
}

const ALL = {
  organizationMappings: demoData.organizations.length,
  // demo:start
  users: demoData.users.length,
  integrations: demoData.integrations.length,
  organizations: demoData.organizations.length,
  members: demoData.members.length,
  projects: demoData.projects.length,
  userReplicas: new Set(demoData.members.map((member) => member.userId)).size,
  organizationIntegrations: demoData.organizationIntegrations.length,
  // demo:end
};

describe.each(testEngines)("demo seed [%s]", (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it("loads the organization mappings of us and eu, and the demo services' rows", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    expect(await seedDemoData(db)).toEqual(ALL);

    expect(await counts(db)).toEqual(ALL);
    const regions = await db.organizationMapping.groupBy({ by: ["regionName"], _count: true });
    expect(Object.fromEntries(regions.map((r) => [r.regionName, r._count]))).toEqual({
      us: 2,
      eu: 2,
    });
    // demo:start
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
    // demo:end
  });

  it("is idempotent: a second run inserts nothing and changes nothing", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;
    await seedDemoData(db);
    const before = await db.organizationMapping.findMany({ orderBy: { slug: "asc" } });

    const second = await seedDemoData(db);

    expect(Object.values(second)).toEqual(Object.values(ALL).map(() => 0));
    expect(await counts(db)).toEqual(ALL);
    expect(await db.organizationMapping.findMany({ orderBy: { slug: "asc" } })).toEqual(before);
  });

  it("seeds only a silo's share: control data, or one region's organizations", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    await seedDemoData(db, { control: false, regions: ["eu"] });

    expect(await db.organizationMapping.count()).toBe(0);
    // demo:start
    const slugs = (await db.organization.findMany({ select: { slug: true } }))
      .map((o) => o.slug)
      .sort();
    expect(slugs).toEqual(["globex", "umbrella"]);
    expect(await db.user.count()).toBe(0);
    expect(await db.organizationIntegration.count()).toBe(0);
    const euIds = new Set(demoData.organizations.filter((o) => o.region === "eu").map((o) => o.id));
    const members = await db.organizationMember.findMany();
    expect(members.length).toBe(demoData.members.filter((m) => euIds.has(m.organizationId)).length);
    expect(members.every((m) => euIds.has(m.organizationId))).toBe(true);
    // demo:end

    await seedDemoData(db, { control: true, regions: [] });
    expect(await db.organizationMapping.count()).toBe(demoData.organizations.length);
    // demo:start
    expect(await db.user.count()).toBe(demoData.users.length);
    expect(await db.organizationIntegration.count()).toBe(demoData.organizationIntegrations.length);
    expect(await db.organization.count()).toBe(2);
    // demo:end
  });

  it("rejects a region the demo data does not have, writing nothing", async () => {
    database = await createTestDatabase(engine);
    const { db } = database;

    await expect(seedDemoData(db, { control: true, regions: ["us", "mars"] })).rejects.toThrow(
      'The demo data has no region "mars"; its regions are us, eu.',
    );
    expect(await counts(db)).toEqual(Object.fromEntries(Object.keys(ALL).map((key) => [key, 0])));
  });
});
