// Outboxes across real processes (issue 13): a control silo and an eu silo on their own databases
// (PGlite directories; PostgreSQL too when TEST_DATABASE_URL is set), control killed with
// SIGKILL while eu keeps taking writes, eu killed with SIGKILL with messages waiting and again
// while it drains them. Afterwards control holds exactly what eu holds: nothing lost, nothing
// half-written, every mapping at its organization's last state.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db";
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";

const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
const ORGS = 20;
// 200 updates while control is dead, as issue 13 asks.
const UPDATES_PER_ORG = 10;

describe.each(testEngines)("outboxes across processes [%s]", (engine) => {
  const secret = randomBytes(24).toString("hex");
  const urls: string[] = [];
  let topology: Topology;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-outbox-"));
    const databases: Record<string, string> = {};
    for (const name of ["control", "eu"]) {
      databases[name] =
        engine === "postgres" ? await createPostgresDatabase() : path.join(dir, name);
      if (engine === "postgres") urls.push(databases[name] as string);
    }
    topology = new Topology({
      regions: ["eu"],
      // Free ports, kept across the restarts.
      ports: { control: await freePort(), eu: await freePort() },
      databases: (name) => databases[name] as string,
      secret,
      // Sweeps often: the test waits for the outcome, not for a timer.
      env: { OUTBOX_SWEEP_MS: "100" },
    });
    await topology.start();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    for (const url of urls) await dropPostgresDatabase(url);
  });

  const client = () => createAppRuntime({ config: topology.clientConfig() }).client;
  /** Polls until `check` holds (the test's timeout bounds it); returns how long it took. */
  const until = async (check: () => Promise<boolean>): Promise<number> => {
    const started = performance.now();
    for (;;) {
      if (await check().catch(() => false)) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const metric = async (silo: string, name: string): Promise<number> => {
    const text = await (await fetch(`${topology.url(silo)}/metrics`)).text();
    return text
      .split("\n")
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  };

  it("eu takes every update while control is dead, keeps them through kill -9, and control ends with each organization's last state", async () => {
    const c = client();
    const eu = { context: { region: "eu" } };
    const orgs: string[] = [];
    for (let i = 0; i < ORGS; i++) {
      const org = await c.organization.createOrganization.mutate({
        regionName: "eu",
        slug: `outbox-${engine}-${i}`,
        name: `Org ${i}`,
        ownerUserId: erin,
      });
      orgs.push(org.id);
    }
    // Created: their mappings reach control through eu's outbox.
    await until(async () => {
      for (const organizationId of orgs) {
        if ((await c.organizationMapping.getById.query({ organizationId })) === null) return false;
      }
      return true;
    });

    await topology.stop("control", "SIGKILL");
    let failed = 0;
    for (let round = 1; round <= UPDATES_PER_ORG; round++) {
      for (const [i, organizationId] of orgs.entries()) {
        await c.organization.updateOrganization
          .mutate({ organizationId, name: `Org ${i} v${round}` }, eu)
          .catch(() => failed++);
      }
    }
    expect(failed).toBe(0);
    // A create needs control (it reserves the slug there): it fails at once with a clear error,
    // and nothing of it is left behind (checked below, once control is back).
    const downSlug = `outbox-${engine}-while-control-is-down`;
    const attempt = performance.now();
    const refused = await c.organization.createOrganization
      .mutate({ regionName: "eu", slug: downSlug, name: "Down", ownerUserId: erin })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(String((refused as Error).message)).toMatch(/control/i);
    console.log(`[${engine}] create refused after ${Math.round(performance.now() - attempt)} ms`);
    // Messages wait in eu's outbox (control is unreachable).
    expect(await metric("eu", "outbox_messages_waiting")).toBeGreaterThan(0);

    // eu dies with messages waiting, then comes back; so does control.
    await topology.stop("eu", "SIGKILL");
    await topology.startSilo("eu");
    await topology.startSilo("control");
    // And eu dies again as soon as it has delivered something: in the middle of draining.
    await until(async () => (await metric("eu", "outbox_messages_delivered_total")) > 0);
    await topology.stop("eu", "SIGKILL");
    await topology.startSilo("eu");

    const ms = await until(async () => {
      for (const [i, organizationId] of orgs.entries()) {
        const mapping = await c.organizationMapping.getById.query({ organizationId });
        if (mapping?.name !== `Org ${i} v${UPDATES_PER_ORG}`) return false;
      }
      return (await metric("eu", "outbox_messages_waiting")) === 0;
    });
    console.log(
      `[${engine}] every mapping at its last update ${Math.round(ms)} ms after eu's last restart`,
    );
    // What eu holds and what control maps agree, organization by organization.
    for (const organizationId of orgs) {
      const [org, mapping] = await Promise.all([
        c.organization.getOrganizationById.query({ organizationId }, eu),
        c.organizationMapping.getById.query({ organizationId }),
      ]);
      expect(mapping).toMatchObject({ slug: org?.slug, name: org?.name, regionName: "eu" });
    }
    // The refused create left nothing: no organization, no mapping, and no reservation holding
    // its slug (creating it now succeeds).
    expect(await c.organization.getOrgBySlug.query({ slug: downSlug }, eu)).toBeNull();
    expect(await c.organizationMapping.getBySlug.query({ slug: downSlug })).toBeNull();
    await expect(
      c.organization.createOrganization.mutate({
        regionName: "eu",
        slug: downSlug,
        name: "Up",
        ownerUserId: erin,
      }),
    ).resolves.toMatchObject({ slug: downSlug });
  }, 180_000);
});
