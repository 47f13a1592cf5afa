// The embedded database's PostgreSQL settings: small shared buffers keep a silo's memory down.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/client.ts";
import { createTestDatabase } from "../src/testing.ts";

const sharedBuffers = async (db: Awaited<ReturnType<typeof createDb>>) =>
  (await db.$queryRaw<{ shared_buffers: string }[]>`SHOW shared_buffers`)[0]?.shared_buffers;

describe("PGlite settings", () => {
  it("an in-memory database (from a snapshot) runs with 16 MB of shared buffers", async () => {
    const { db, dispose } = await createTestDatabase("pglite");
    try {
      expect(await sharedBuffers(db)).toBe("16MB");
    } finally {
      await dispose();
    }
  });

  it("so does a database in a directory, reopened", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-settings-"));
    try {
      const dataDir = path.join(dir, "db");
      await (await createDb(dataDir)).$disconnect();
      const db = await createDb(dataDir, { migrate: false });
      try {
        expect(await sharedBuffers(db)).toBe("16MB");
      } finally {
        await db.$disconnect();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
