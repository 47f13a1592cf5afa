// Cross-silo writes under load with kill -9 (issue 13): callers create and update organizations in
// eu while eu and control are killed with SIGKILL and restarted at moments chosen by a seeded
// random source. Afterwards, with every silo stopped, the databases agree: no organization
// without its mapping, no mapping without its organization, no slug held by nothing, no
// duplicate; a slug whose create failed for its caller can be created again.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, demoData } from "@acme/db";
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";

const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
const WORKERS = 8;
const KILLS = 4;
/** Reservations end quickly here, so the test can see that none is left holding a slug. */
const RESERVATION_MS = 3000;

/** A small seeded random source (mulberry32): the same kills on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(testEngines)("outboxes under load with kill -9 [%s]", (engine) => {
  const secret = randomBytes(24).toString("hex");
  const databases: Record<string, string> = {};
  let topology: Topology;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-chaos-"));
    for (const name of ["control", "eu"]) {
      databases[name] =
        engine === "postgres" ? await createPostgresDatabase() : path.join(dir, name);
    }
    topology = new Topology({
      regions: ["eu"],
      ports: { control: await freePort(), eu: await freePort() },
      databases: (name) => databases[name] as string,
      secret,
      env: {
        OUTBOX_SWEEP_MS: "100",
        SLUG_RESERVATION_MS: String(RESERVATION_MS),
        // Calls give up soon: a killed silo shows up as failed calls, not as a stalled test.
        RPC_TIMEOUT_MS: "2000",
      },
    });
    await topology.start();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    if (engine === "postgres")
      for (const url of Object.values(databases)) await dropPostgresDatabase(url);
  });

  it("leaves the silos agreeing on every organization", async () => {
    const { client } = createAppRuntime({
      config: { ...topology.clientConfig(), timeoutMs: 2000 },
    });
    const eu = { context: { region: "eu" } };
    const slugs: string[] = [];
    const created: { id: string; slug: string }[] = [];
    const outcomes = { created: 0, createFailed: 0, updated: 0, updateFailed: 0 };
    let loading = true;
    let n = 0;
    const worker = async () => {
      while (loading) {
        const existing = created[n % Math.max(1, created.length)];
        if (existing !== undefined && n % 4 === 3) {
          n++;
          await client.organization.updateOrganization
            .mutate({ organizationId: existing.id, name: `Updated ${n}` }, eu)
            .then(() => outcomes.updated++)
            .catch(() => outcomes.updateFailed++);
          continue;
        }
        const slug = `chaos-${engine}-${n++}`;
        slugs.push(slug);
        await client.organization.createOrganization
          .mutate({ regionName: "eu", slug, name: slug, ownerUserId: erin })
          .then((org) => {
            created.push({ id: org.id, slug });
            outcomes.created++;
          })
          .catch(async () => {
            outcomes.createFailed++;
            // A silo is down: do not spin.
            await new Promise((resolve) => setTimeout(resolve, 100));
          });
      }
    };
    const load = Array.from({ length: WORKERS }, worker);

    // Kills at seeded moments, each after some calls have gone through since the last restart.
    const next = random(13);
    for (let kill = 0; kill < KILLS; kill++) {
      const target = next() < 0.5 ? "eu" : "control";
      const goal = outcomes.created + outcomes.updated + 5 + Math.floor(next() * 20);
      while (outcomes.created + outcomes.updated < goal)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await topology.stop(target, "SIGKILL");
      await topology.startSilo(target);
    }
    // Load goes on after the last restart until calls succeed again.
    const after = outcomes.created + 20;
    while (outcomes.created < after) await new Promise((resolve) => setTimeout(resolve, 10));
    loading = false;
    await Promise.all(load);
    console.log(`[${engine}] ${slugs.length} creates tried, outcomes ${JSON.stringify(outcomes)}`);
    expect(outcomes.created).toBeGreaterThan(0);

    // Settled: eu's outbox is empty, and every reservation has ended.
    const waiting = async () => {
      const text = await (await fetch(`${topology.url("eu")}/metrics`)).text();
      return text
        .split("\n")
        .filter((line) => line.startsWith("outbox_messages_waiting"))
        .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    };
    while ((await waiting().catch(() => 1)) > 0) await new Promise((r) => setTimeout(r, 50));
    await new Promise((resolve) => setTimeout(resolve, RESERVATION_MS));

    // A slug whose create failed for its caller, and which eu does not have, can be taken again.
    const failedSlugs = slugs.filter((slug) => !created.some((org) => org.slug === slug));
    const retried: string[] = [];
    for (const slug of failedSlugs) {
      const there = await client.organization.getOrgBySlug.query({ slug }, eu);
      if (there !== null) continue; // written though its caller saw an error: an unknown outcome
      await client.organization.createOrganization.mutate({
        regionName: "eu",
        slug,
        name: slug,
        ownerUserId: erin,
      });
      retried.push(slug);
    }
    while ((await waiting()) > 0) await new Promise((r) => setTimeout(r, 50));

    await topology.stop();
    const control = await createDb(databases.control as string, { migrate: false });
    const region = await createDb(databases.eu as string, { migrate: false });
    try {
      const orgs = await region.organization.findMany({
        where: { slug: { startsWith: "chaos-" } },
        select: { id: true, slug: true, name: true },
      });
      const mappings = await control.organizationMapping.findMany({
        where: { slug: { startsWith: "chaos-" } },
        select: { organizationId: true, slug: true, name: true, regionName: true },
      });
      const byId = new Map(mappings.map((m) => [m.organizationId, m]));
      const withoutMapping = orgs.filter((org) => byId.get(org.id)?.slug !== org.slug);
      const orgIds = new Set(orgs.map((org) => org.id));
      const withoutOrg = mappings.filter((m) => !orgIds.has(m.organizationId));
      const stale = orgs.filter((org) => byId.get(org.id)?.name !== org.name);
      const held = await control.slugReservation.findMany({
        where: { slug: { startsWith: "chaos-" }, expiresAt: { gt: new Date() } },
      });
      expect({ withoutMapping, withoutOrg, stale, held }).toEqual({
        withoutMapping: [],
        withoutOrg: [],
        stale: [],
        held: [],
      });
      expect(new Set(orgs.map((org) => org.slug)).size).toBe(orgs.length);
      // Every slug tried has its organization now (created, or created again after a failure).
      expect(orgs.map((org) => org.slug).sort()).toEqual([...new Set(slugs)].sort());
      expect(await region.regionOutbox.count()).toBe(0);
      console.log(
        `[${engine}] ${orgs.length} organizations, ${retried.length} created again after a failed create`,
      );
    } finally {
      await Promise.all([control.$disconnect(), region.$disconnect()]);
    }
  }, 300_000);
});
