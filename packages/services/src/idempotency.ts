// Idempotency keys in the silo's database (idempotency_keys): the store @acme/rpc's runtime runs
// mutations under, shared by every process of the silo and surviving their restarts.
import { randomUUID } from "node:crypto";
import { type Db, Prisma } from "@acme/db";
import {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  type IdempotencyBegin,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
} from "@acme/rpc";

/** How often a process deletes the expired rows (one indexed DELETE, on a `begin`). */
const SWEEP_INTERVAL_MS = 60_000;

const select = {
  path: true,
  requestHash: true,
  token: true,
  state: true,
  response: true,
  expiresAt: true,
} as const;

/**
 * The store of a silo with a database. `begin` is atomic across processes: the key is the
 * primary key, so of two concurrent first calls one inserts and the other finds its row; an
 * expired row is taken over only by the caller whose conditional update matched it. Times come
 * from this process's clock: keep the silo's machines' clocks in sync (the lease's margin
 * absorbs small skews).
 */
export function databaseIdempotencyStore(
  db: Db,
  options: IdempotencyStoreOptions = {},
): IdempotencyStore {
  const ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  const leaseMs = options.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
  const clock = options.now ?? (() => Date.now());
  let nextSweep = 0;

  const sweep = async (now: number) => {
    if (now < nextSweep) return;
    nextSweep = now + SWEEP_INTERVAL_MS;
    await db.idempotencyKey.deleteMany({ where: { expiresAt: { lte: new Date(now) } } });
  };

  return {
    async begin({ key, path, requestHash }): Promise<IdempotencyBegin> {
      const now = clock();
      await sweep(now);
      const running = { path, requestHash, state: "RUNNING" as const, response: Prisma.DbNull };
      // Three rounds settle any race: each lost round means another caller now holds the key.
      for (let round = 0; round < 3; round++) {
        const token = randomUUID();
        const expiresAt = new Date(now + leaseMs);
        const inserted = await db.idempotencyKey.createMany({
          data: [{ key, path, requestHash, token, state: "RUNNING", expiresAt }],
          skipDuplicates: true,
        });
        if (inserted.count === 1) return { status: "new", token };
        const found = await db.idempotencyKey.findUnique({ where: { key }, select });
        if (found === null) continue; // released or swept in between: insert again
        if (found.expiresAt.getTime() > now) {
          if (found.path !== path || found.requestHash !== requestHash) {
            return { status: "mismatch", path: found.path };
          }
          return found.state === "DONE"
            ? { status: "replay", response: (found.response as { value?: unknown }).value ?? null }
            : { status: "in-progress" };
        }
        // Expired (a completed call's TTL, or a dead call's lease): take it over, unless another
        // caller did first or its call completed meanwhile (then the row is not expired any more).
        const taken = await db.idempotencyKey.updateMany({
          where: { key, token: found.token, expiresAt: { lte: new Date(now) } },
          data: { ...running, token, createdAt: new Date(now), expiresAt },
        });
        if (taken.count === 1) return { status: "new", token };
      }
      return { status: "in-progress" };
    },

    async complete(key, token, response) {
      await db.idempotencyKey.updateMany({
        where: { key, token },
        data: {
          state: "DONE",
          response: { value: response ?? null } as Prisma.InputJsonObject,
          expiresAt: new Date(clock() + ttlMs),
        },
      });
    },

    async abandon(key, token) {
      await db.idempotencyKey.deleteMany({ where: { key, token } });
    },
  };
}
