// Wires the services into a process: its database, the routing runtime and the typed client.
import { type Db, DEMO_REGIONS } from "@acme/db";
import { type DrainOptions, Outbox, OutboxDrain, type OutboxMessage } from "@acme/outbox";
import {
  type CallEvent,
  createSiloClient,
  idempotencyTimes,
  MappingCache,
  type MappingCacheOptions,
  ServiceRegistry,
  type SiloConfig,
  SiloRuntime,
} from "@acme/rpc";
import type { ServiceContext } from "./context.ts";
import { type AppClient, contracts } from "./contracts.ts";
import { databaseIdempotencyStore } from "./idempotency.ts";
import { announceMappingChange, databaseMappings, rpcMappings } from "./mappings.ts";
import { serviceEntries } from "./registry.ts";

/**
 * REGION_CONFIG for a MONOLITH running the demo: its regions, without addresses (everything runs
 * in process). Apps use it as the default when REGION_CONFIG is not set.
 */
export const DEMO_REGION_CONFIG = JSON.stringify(DEMO_REGIONS.map((name) => ({ name })));

export interface AppRuntimeOptions {
  readonly config: SiloConfig;
  /**
   * This silo's database: the control database in CONTROL, the region's in REGION. Without one
   * the process is a client only: every call goes over the wire to the silo that owns it.
   */
  readonly db?: Db;
  readonly fetch?: typeof fetch;
  readonly onCall?: (event: CallEvent) => void;
  readonly outgoingHeaders?: () => Record<string, string> | undefined;
  readonly mappingCache?: MappingCacheOptions;
  /** A mapping change could not be announced to the silo's other replicas (logged by a silo). */
  readonly onMappingAnnounceError?: (error: unknown) => void;
  /** How this process's outbox drains deliver (lease, backoff, callbacks for metrics). */
  readonly drain?: DrainOptions;
}

export interface AppRuntime {
  readonly runtime: SiloRuntime<ServiceContext>;
  readonly client: AppClient;
  readonly mappings: MappingCache;
  /** This process's outbox and its drains (none in a process without a database). */
  readonly outbox?: Outbox;
}

/** A message as the inbox methods take it. */
const wireMessage = (message: OutboxMessage) => ({
  messageId: message.id,
  category: message.category,
  shard: message.shard,
  object: message.object,
  payload: message.payload,
  createdAt: message.createdAt.toISOString(),
});

/**
 * The outbox of a process with a database, and the drains of the outboxes its silo writes: a
 * region's to control, control's to the regions, both in a MONOLITH (delivered in process by
 * the same client, so the same code runs everywhere).
 */
export function createOutbox(
  mode: SiloConfig["mode"],
  db: Db,
  client: AppClient,
  regions: () => readonly string[],
  options?: DrainOptions,
): Outbox {
  const drains: OutboxDrain[] = [];
  if (mode !== "CONTROL") {
    drains.push(
      new OutboxDrain(
        db,
        "REGION_TO_CONTROL",
        async (message) => {
          await client.controlInbox.deliver.mutate({ message: wireMessage(message) as never });
        },
        options,
      ),
    );
  }
  if (mode !== "REGION") {
    drains.push(
      new OutboxDrain(
        db,
        "CONTROL_TO_REGION",
        async (message) => {
          await client.regionInbox.deliver.mutate({
            regionName: message.regionName,
            message: wireMessage(message) as never,
          });
        },
        options,
      ),
    );
  }
  return new Outbox(db, { drains, regions });
}

export function createAppRuntime(options: AppRuntimeOptions): AppRuntime {
  const { config, db } = options;
  let client: AppClient | undefined;
  const source =
    config.mode === "REGION" || db === undefined
      ? rpcMappings(() => {
          if (client === undefined) throw new Error("The client is not ready yet.");
          return client;
        })
      : databaseMappings(db);
  const remoteOnly = db === undefined;
  const mappings = new MappingCache(source, {
    ...(db === undefined
      ? {}
      : // The silo's other replicas forget a mapping this one changed (followMappingChanges).
        { onInvalidate: announceMappingChange(db, options.onMappingAnnounceError ?? (() => {})) }),
    ...options.mappingCache,
  });
  const runtime: SiloRuntime<ServiceContext> = new SiloRuntime<ServiceContext>({
    config,
    registry: new ServiceRegistry(serviceEntries),
    mappings,
    createContext: () => {
      if (context === undefined)
        throw new Error("This process runs no service: it has no database.");
      return context;
    },
    remoteOnly,
    // The mutations this silo runs record their idempotency keys in its database.
    ...(db === undefined
      ? {}
      : { idempotency: databaseIdempotencyStore(db, idempotencyTimes(config)) }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(options.outgoingHeaders ? { outgoingHeaders: options.outgoingHeaders } : {}),
  });
  client = createSiloClient(runtime, contracts);
  const outbox =
    db === undefined
      ? undefined
      : createOutbox(config.mode, db, client, () => runtime.regionNames, options.drain);
  const context: ServiceContext | undefined =
    db === undefined || outbox === undefined
      ? undefined
      : { db, client, mappings, outbox, regionName: config.regionName };
  return { runtime, client, mappings, ...(outbox === undefined ? {} : { outbox }) };
}
export { followMappingChanges, MAPPING_CHANGES_CHANNEL } from "./mappings.ts";
