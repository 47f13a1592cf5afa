// A region silo's outbox, run for real: while control is down, a waiting message shows in
// /metrics and /healthz (which stays "ok") and each failed delivery is counted and logged; once
// control is up the message is delivered, and SIGTERM stops the drain and exits cleanly.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@acme/db";
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";

/** The sum of a metric's samples whose labels include `labels` (undefined: no such sample). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  let found: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      continue;
    found = (found ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found;
}

/** Polls `read` until `done` holds for what it returns; fails after `timeoutMs` saying what it saw. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`Waited ${timeoutMs} ms for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(testEngines)("a region silo's outbox [%s]", (engine) => {
  const secret = randomBytes(24).toString("hex");
  const lines: string[] = [];
  const postgres: string[] = [];
  const organizationId = randomUUID();
  const category = "organization.updated";
  const region = { outbox: "region", category };
  let topology: Topology;
  let started = false;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-outbox-"));
    const databases: Record<string, string> = {};
    for (const name of ["control", "us"]) {
      databases[name] =
        engine === "postgres" ? await createPostgresDatabase() : path.join(dir, name);
      if (engine === "postgres") postgres.push(databases[name] as string);
    }
    // A message committed by an earlier run of the region, while control was down: the drain's
    // sweep finds it.
    const db = await createDb(databases.us as string);
    await db.regionOutbox.create({
      data: {
        category,
        shardScope: "organization",
        shardId: organizationId,
        objectId: organizationId,
        payload: {
          organizationId,
          slug: `outbox-${engine}`,
          name: "Outbox",
          regionName: "us",
          status: "ACTIVE",
        },
      },
    });
    await db.$disconnect();
    topology = new Topology({
      regions: ["us"],
      // Control's port is free and stays unanswered until the test starts control.
      ports: { control: await freePort(), us: await freePort() },
      databases: (name) => databases[name] as string,
      secret,
      env: { SEED_DEMO_DATA: "false", OUTBOX_SWEEP_MS: "200" },
      onLine: (silo, line) => {
        if (silo === "us") lines.push(line);
      },
    });
    await topology.startSilo("us");
    started = true;
  });

  afterAll(async () => {
    await topology?.stop();
    for (const url of postgres) await dropPostgresDatabase(url);
  });

  const metrics = async () => (await fetch(`${topology.url("us")}/metrics`)).text();
  const health = async () => {
    const res = await fetch(`${topology.url("us")}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("shows the waiting message and counts failed deliveries while control is down, then delivers it", async () => {
    await until(
      "a waiting message and two failed deliveries in /metrics",
      metrics,
      (text) =>
        sample(text, "outbox_messages_waiting", { ...region, region: "" }) === 1 &&
        (sample(text, "outbox_delivery_failures_total", region) ?? 0) >= 2 &&
        (sample(text, "outbox_oldest_message_age_seconds", region) ?? -1) >= 0,
    );
    // A backlog is not a reason to take the silo out of the load balancer.
    const down = await health();
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({
      status: "ok",
      outbox: {
        region: {
          waiting: 1,
          failing: 1,
          lastError: { category, shard: { scope: "organization", id: organizationId } },
        },
      },
    });
    const failed = lines
      .filter((line) => line.includes('"msg":"outbox delivery failed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed[0]).toMatchObject({
      level: 40,
      outbox: "region",
      category,
      shard: `organization:${organizationId}`,
      attempts: 1,
      retryInMs: expect.any(Number),
      error: expect.any(String),
    });
    expect(failed[1]).toMatchObject({ attempts: 2 });

    await topology.startSilo("control");
    const delivered = await until(
      "the message delivered",
      metrics,
      (text) =>
        sample(text, "outbox_messages_delivered_total", region) === 1 &&
        sample(text, "outbox_messages_waiting", region) === 0,
    );
    expect(sample(delivered, "outbox_oldest_message_age_seconds", region)).toBe(0);
    expect((await health()).body).toMatchObject({
      status: "ok",
      outbox: { region: { waiting: 0, failing: 0, lastError: null } },
    });
    // Control recorded the organization the message was about.
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    expect(await client.organizationMapping.getById.query({ organizationId })).toMatchObject({
      slug: `outbox-${engine}`,
      regionName: "us",
    });
    // Nothing is logged per delivery: only failures.
    const deliveries = lines.filter((line) => /deliver/i.test(line));
    expect(deliveries.every((line) => line.includes('"msg":"outbox delivery failed"'))).toBe(true);
  });

  it("stops its drain on SIGTERM, then closes the database and exits 0", async () => {
    expect(started).toBe(true);
    await topology.stop("us");
    const us = topology.silos.get("us");
    expect(us?.child.exitCode).toBe(0);
    expect(lines.some((line) => line.includes('"msg":"stopped: database closed"'))).toBe(true);
  });
});
