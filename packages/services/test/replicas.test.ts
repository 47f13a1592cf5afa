// Two replicas of the control silo on one database, each with its own mapping cache: a mapping
// changed through one is forgotten by the other (NOTIFY on the silo's database), so no replica
// routes by a mapping another replica has changed.
import { randomUUID } from "node:crypto";
import type { Subscription } from "@acme/db";
import { createTestDatabase, type TestDatabase, testEngines } from "@acme/db/testing";
import { siloConfig } from "@acme/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRuntime, followMappingChanges } from "../src/runtime.ts";

describe.each(testEngines)("replicas of one silo [%s]", (engine) => {
  let database: TestDatabase;
  const subscriptions: Subscription[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    for (const subscription of subscriptions) await subscription.close();
    await database?.dispose();
  });

  const replica = async () => {
    const config = siloConfig({ mode: "CONTROL", secrets: ["a".repeat(32)], regions: [] });
    const made = createAppRuntime({ config, db: database.db });
    subscriptions.push(await followMappingChanges(database.db, made.mappings, () => {}));
    return made;
  };

  it("a mapping changed through one replica is forgotten by the other", async () => {
    const [one, two] = [await replica(), await replica()];
    const organizationId = randomUUID();
    const mapping = { organizationId, slug: `replicas-${engine}`, name: "R", regionName: "us" };
    await one.client.organizationMapping.upsert.mutate(mapping);
    // The other replica routes by it, and caches it.
    expect(await two.mappings.byId(organizationId)).toMatchObject({ regionName: "us" });
    expect(two.mappings.peek({ organizationId })).toMatchObject({ regionName: "us" });

    await one.client.organizationMapping.upsert.mutate({ ...mapping, regionName: "eu" });
    // Forgotten once the announcement arrives: the next lookup reads the new region.
    while (two.mappings.peek({ organizationId }) !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await two.mappings.byId(organizationId)).toMatchObject({ regionName: "eu" });
  });
});
