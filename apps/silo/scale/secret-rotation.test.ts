// Rotating RPC_SHARED_SECRET as docs/deploying.md walks through it, with real processes: a control
// silo and two regions restarted one at a time through the three steps (accept the new secret,
// sign with it, drop the old one), with calls after every restart, none failing; and the failure
// that skipping the first step causes. PGlite only: the signatures do not depend on the engine.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db"; // demo:line
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";

const SILOS = ["control", "us", "eu"] as const;
const alice = demoData.users[0] as { id: string }; // demo:line

describe("rotating RPC_SHARED_SECRET across a running topology", () => {
  const old = `old-${randomBytes(12).toString("hex")}`;
  const next = `new-${randomBytes(12).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-rotation-"));
  const ports: Record<string, number> = {};
  // A Topology starts its silos with one secret list: one per list, all on the same ports and
  // databases, so a silo is restarted with another list by stopping it in one and starting it in
  // the other.
  const topologies = new Map<string, Topology>();
  const owner = new Map<string, Topology>();

  const topologyWith = (secrets: string): Topology => {
    let topology = topologies.get(secrets);
    if (topology === undefined) {
      topology = new Topology({
        ports,
        databases: (name) => path.join(dir, name),
        secret: secrets,
        logLevel: "warn",
      });
      topologies.set(secrets, topology);
    }
    return topology;
  };

  /** Restarts one silo with `secrets` as its RPC_SHARED_SECRET (a rolling update of one pod). */
  const restart = async (silo: string, secrets: string) => {
    await owner.get(silo)?.stop(silo);
    const topology = topologyWith(secrets);
    owner.set(silo, topology);
    await topology.startSilo(silo);
  };

  /** An admin-like client process whose RPC_SHARED_SECRET is `secrets`. */
  const clientWith = (secrets: string) =>
    createAppRuntime({
      config: topologyWith(secrets).clientConfig({ secrets: secrets.split(",") }),
    }).client;

  /**
   * Calls from a client to every silo, and (in the demo) calls between silos: a region asks
   * control to reserve the slug of an organization it creates, and its outbox delivers the
   * organization's mapping to control. Each silo signs its own calls with its own first secret.
   */
  const callsSucceed = async (clientSecrets: string) => {
    const client = clientWith(clientSecrets);
    expect(await client.organizationMapping.getBySlug.query({ slug: "no-such-org" })).toBeNull();
    for (const regionName of ["us", "eu"]) {
      await expect(
        client.regionOutbox.backlog.query({ regionName, shardLimit: 1 }),
      ).resolves.toBeDefined();
    }
    // demo:start
    for (const regionName of ["us", "eu"]) {
      const slug = `rotation-${regionName}-${Date.now()}`;
      const created = await client.organization.createOrganization.mutate({
        regionName,
        slug,
        name: "Rotation",
        ownerUserId: alice.id,
      });
      await expect
        .poll(() => client.organizationMapping.getBySlug.query({ slug }), { timeout: 30_000 })
        .toMatchObject({ organizationId: created.id, regionName });
    }
    // demo:end
  };

  beforeAll(async () => {
    for (const silo of SILOS) ports[silo] = await freePort();
    const first = topologyWith(old);
    for (const silo of SILOS) owner.set(silo, first);
    await first.start();
  });

  afterAll(async () => {
    await Promise.all([...topologies.values()].map((topology) => topology.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("goes from the old secret to the new one in three rolling steps without a failed call", async () => {
    await callsSucceed(old);
    // The admin app is one more process of the rollout: restarted last in each step, so until
    // then it keeps signing and verifying with the previous step's list.
    let admin = old;
    for (const step of [`${old},${next}`, `${next},${old}`, next]) {
      for (const silo of SILOS) {
        await restart(silo, step);
        await callsSucceed(admin);
      }
      admin = step;
      await callsSucceed(admin);
    }
    // Step 3 done: the old secret is refused everywhere.
    await expect(
      clientWith(old).organizationMapping.getBySlug.query({ slug: "acme" }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Invalid RPC signature: signature does not match.",
    });
  });

  it("skipping the first step: a process signing with a secret others do not know yet is refused", async () => {
    const newer = `newer-${randomBytes(12).toString("hex")}`;
    // Every silo knows only `next`; a client signs with `newer` first.
    await expect(
      clientWith(`${newer},${next}`).organizationMapping.getBySlug.query({ slug: "acme" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // demo:start
    // eu restarted with `newer` first while control does not know it: eu's calls to control fail.
    await restart("eu", `${newer},${next}`);
    await expect(
      clientWith(next).organization.createOrganization.mutate({
        regionName: "eu",
        slug: `rotation-skipped-${Date.now()}`,
        name: "Skipped",
        ownerUserId: alice.id,
      }),
    ).rejects.toThrow();
    // demo:end
  });
});
