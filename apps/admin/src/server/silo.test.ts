// The MONOLITH admin's outboxes: its sweep delivers what the drain right after the commit left,
// and closing it stops the drains before the database closes.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { loadAdminSettings } from "./env.ts";
import { createAdminSilo } from "./silo.ts";

describe("the admin as a MONOLITH", () => {
  it("sweeps its outboxes: a message nobody delivered after its commit is delivered", async () => {
    const silo = await createAdminSilo(
      loadAdminSettings({
        DATABASE_URL: "memory://",
        SEED_DEMO_DATA: "false",
        OUTBOX_SWEEP_MS: "20",
      }),
      { closeOnSignal: false },
    );
    try {
      const db = silo.db;
      if (db === undefined) throw new Error("a MONOLITH admin has a database");
      const organizationId = randomUUID();
      // Written as a region does, but no drain was told: as if the delivery after the commit
      // failed, or its process stopped before making it.
      await db.regionOutbox.create({
        data: {
          category: "organization.updated",
          shardScope: "organization",
          shardId: organizationId,
          objectId: organizationId,
          payload: {
            organizationId,
            slug: "swept",
            name: "Swept",
            regionName: "eu",
            status: "ACTIVE",
          },
        },
      });
      await vi.waitFor(
        async () => {
          expect(await db.organizationMapping.count({ where: { organizationId } })).toBe(1);
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(await db.regionOutbox.count()).toBe(0);
    } finally {
      await silo.close();
    }
    // Closed once, however often it is asked.
    await expect(silo.close()).resolves.toBeUndefined();
  });
});
