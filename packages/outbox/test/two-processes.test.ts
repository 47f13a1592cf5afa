// Two processes draining one PostgreSQL database (issue 13): each runs an OutboxDrain over the
// same region outbox while messages keep arriving; one is killed with SIGKILL half-way and the
// other takes its shards over once their leases run out. Every message is delivered, each shard's
// messages in the order they were written, and no shard is ever delivered by both at once.
// PostgreSQL only: PGlite is one process's database by design.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createTestDatabase, type TestDatabase, testEngines } from "@acme/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SHARDS = 8;
const VERSIONS = 40;
const DRAINER = path.join(import.meta.dirname, "fixtures", "drainer.ts");

interface Delivery {
  shard: string;
  version: number;
  drainer: string;
  began: Date;
  ended: Date;
}

describe.skipIf(!testEngines.includes("postgres"))("two processes draining one database", () => {
  let database: TestDatabase;
  const drainers = new Map<string, ChildProcess>();

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    await database.db.$executeRawUnsafe(
      `CREATE TABLE deliveries (seq serial PRIMARY KEY, shard text NOT NULL, version int NOT NULL,
         drainer text NOT NULL, began timestamptz NOT NULL, ended timestamptz NOT NULL)`,
    );
  });

  afterAll(async () => {
    for (const child of drainers.values()) child.kill("SIGKILL");
    await database?.dispose();
  });

  const startDrainer = async (name: string) => {
    const child = spawn(process.execPath, ["--import", "tsx", DRAINER], {
      env: { ...process.env, DATABASE_URL: database.url, DRAINER: name },
      stdio: ["pipe", "pipe", "inherit"],
    });
    drainers.set(name, child);
    // Ready once it says so (or failed: its exit fails the test).
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("draining")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`drainer ${name} exited with ${code}`)));
    });
  };
  const write = (version: number) =>
    database.db.regionOutbox.createMany({
      data: Array.from({ length: SHARDS }, (_, s) => ({
        category: "note.changed",
        shardScope: "board",
        shardId: `board-${s}`,
        // One object per message: none is coalesced, so every version must arrive.
        objectId: `note-${version}`,
        payload: { board: `board-${s}`, note: `note-${version}`, version },
      })),
    });
  const count = async (sql: string) =>
    Number((await database.db.$queryRawUnsafe<Array<{ n: bigint }>>(sql))[0]?.n);
  const until = async (check: () => Promise<boolean>) => {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
  };

  it("delivers every message, in order per shard, never one shard from both at once, through a kill -9", async () => {
    await Promise.all([startDrainer("a"), startDrainer("b")]);
    for (let version = 1; version <= VERSIONS; version++) {
      await write(version);
      if (version === VERSIONS / 2) {
        // Half-way, once both have delivered something, `a` dies in the middle of its work.
        await until(
          async () =>
            (await count(
              "SELECT count(DISTINCT drainer) AS n FROM deliveries WHERE drainer IN ('a', 'b')",
            )) === 2,
        );
        const a = drainers.get("a") as ChildProcess;
        a.kill("SIGKILL");
        await once(a, "exit");
      }
    }
    await until(async () => (await count("SELECT count(*) AS n FROM region_outbox")) === 0);

    const rows = await database.db.$queryRawUnsafe<Delivery[]>(
      "SELECT shard, version, drainer, began, ended FROM deliveries ORDER BY began, seq",
    );
    let duplicates = 0;
    for (let s = 0; s < SHARDS; s++) {
      const shard = rows.filter((row) => row.shard === `board-${s}`);
      // In order: the versions as delivered, a redelivery (the message `a` was delivering when it
      // died) showing as a repeat of the one before.
      const versions = shard.map((row) => row.version);
      const distinct = versions.filter((v, i) => i === 0 || v !== versions[i - 1]);
      expect(distinct, `board-${s}`).toEqual(Array.from({ length: VERSIONS }, (_, i) => i + 1));
      duplicates += versions.length - distinct.length;
      // One at a time: each delivery of the shard began after the one before it ended.
      for (let i = 1; i < shard.length; i++) {
        const [before, after] = [shard[i - 1] as Delivery, shard[i] as Delivery];
        expect(
          after.began >= before.ended,
          `board-${s}: deliveries ${i - 1} and ${i} overlap`,
        ).toBe(true);
      }
    }
    // At most one redelivery per shard `a` was delivering when it died (it delivers 4 at once).
    expect(duplicates).toBeLessThanOrEqual(4);
    const by = (name: string) => rows.filter((row) => row.drainer === name).length;
    console.log(
      `two drainers: ${rows.length} deliveries of ${SHARDS * VERSIONS} messages (a ${by("a")}, b ${by("b")}), ${duplicates} redelivered after the kill`,
    );
  }, 120_000);
});
