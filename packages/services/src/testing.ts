// Test helpers: the demo services in every silo of a topology, each silo with its own database.
import { MONOLITH_SEED_SCOPE, seedDemoData } from "@acme/db";
import { createTestDatabase, type TestDatabase, type TestEngine } from "@acme/db/testing";
import type { Outbox } from "@acme/outbox";
import { createSiloClient, MappingCache, TRPCError } from "@acme/rpc";
import { SILO_MODES, type SiloIdentity, siloName, TestTopology } from "@acme/rpc/testing";
import type { ServiceContext } from "./context.ts";
import { type AppClient, contracts } from "./contracts.ts";
import { databaseIdempotencyStore } from "./idempotency.ts";
import { databaseMappings, rpcMappings } from "./mappings.ts";
import { serviceEntries } from "./registry.ts";
import { createOutbox } from "./runtime.ts";

export interface ServiceTopology {
  readonly topology: TestTopology<ServiceContext>;
  /** Databases: `monolith` (everything), `control`, and one per region. */
  readonly databases: ReadonlyMap<string, TestDatabase>;
  /** The typed client of a silo. */
  client(silo: SiloIdentity): AppClient;
  /** The outbox of a silo (its drains deliver right after each commit; tests sweep them). */
  outbox(silo: SiloIdentity): Outbox;
  /** Resolves when no silo's drain is delivering (what was committed has been delivered). */
  settled(): Promise<void>;
  dispose(): Promise<void>;
}

const nameOf = (silo: SiloIdentity) =>
  silo.mode === "REGION" ? (silo.region as string) : silo.mode.toLowerCase();

/**
 * MONOLITH, CONTROL and REGION us/eu silos in one process, talking through the real wire, each
 * with its own database holding its share of the demo data (MONOLITH's holds all of it).
 */
export async function createServiceTopology(
  engine: TestEngine = "pglite",
): Promise<ServiceTopology> {
  const names = ["monolith", "control", "us", "eu"];
  const databases = new Map<string, TestDatabase>();
  try {
    for (const name of names) {
      const database = await createTestDatabase(engine);
      databases.set(name, database);
      await seedDemoData(
        database.db,
        name === "monolith"
          ? MONOLITH_SEED_SCOPE
          : name === "control"
            ? { control: true, regions: [] }
            : { control: false, regions: [name] },
      );
    }
  } catch (error) {
    await Promise.all([...databases.values()].map((database) => database.dispose()));
    throw error;
  }
  const db = (silo: SiloIdentity) => (databases.get(nameOf(silo)) as TestDatabase).db;
  const clients = new Map<string, AppClient>();
  const caches = new Map<string, MappingCache>();
  const client = (silo: SiloIdentity): AppClient => {
    let found = clients.get(nameOf(silo));
    if (found === undefined) {
      found = createSiloClient(topology.runtime(silo.mode, silo.region), contracts);
      clients.set(nameOf(silo), found);
    }
    return found;
  };
  const outboxes = new Map<string, Outbox>();
  const outbox = (silo: SiloIdentity): Outbox => {
    let found = outboxes.get(nameOf(silo));
    if (found === undefined) {
      const runtime = topology.runtime(silo.mode, silo.region);
      found = createOutbox(silo.mode, db(silo), client(silo), () => runtime.regionNames);
      outboxes.set(nameOf(silo), found);
    }
    return found;
  };
  const topology: TestTopology<ServiceContext> = new TestTopology<ServiceContext>({
    entries: serviceEntries,
    mappings: (silo) => {
      const cache = new MappingCache(
        silo.mode === "REGION" ? rpcMappings(() => client(silo)) : databaseMappings(db(silo)),
      );
      caches.set(nameOf(silo), cache);
      return cache;
    },
    idempotency: (silo) => databaseIdempotencyStore(db(silo)),
    createContext: (silo) => ({
      db: db(silo),
      client: client(silo),
      mappings: caches.get(nameOf(silo)) as MappingCache,
      outbox: outbox(silo),
      regionName: silo.region,
    }),
  });
  return {
    topology,
    databases,
    client,
    outbox,
    settled: async () => {
      await Promise.all([...outboxes.values()].flatMap((o) => o.drains.map((d) => d.settled())));
    },
    dispose: async () => {
      await Promise.all([...outboxes.values()].flatMap((o) => o.drains.map((d) => d.stop())));
      await Promise.all([...databases.values()].map((database) => database.dispose()));
    },
  };
}

/** Every silo but the MONOLITH, as `[name, silo]` rows for `describe.each`. */
export const CALLING_SILOS = SILO_MODES.filter((silo) => silo.mode !== "MONOLITH").map(
  (silo) => [siloName(silo), silo] as const,
);

/**
 * A call's value, or its TRPCError's code and message: what must be the same wherever the call
 * is made from. Any other exception is rethrown.
 */
export async function callOutcome(call: Promise<unknown>) {
  try {
    return { value: await call };
  } catch (error) {
    if (error instanceof TRPCError) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}
