// Wires the services into a process: its database, the routing runtime and the typed client.
import type { Db } from "@acme/db";
import {
  type CallEvent,
  createSiloClient,
  MappingCache,
  type MappingCacheOptions,
  ServiceRegistry,
  type SiloConfig,
  SiloRuntime,
} from "@acme/rpc";
import type { ServiceContext } from "./context.ts";
import { type AppClient, contracts } from "./contracts.ts";
import { databaseMappings, rpcMappings } from "./mappings.ts";
import { serviceEntries } from "./registry.ts";

export interface AppRuntimeOptions {
  readonly config: SiloConfig;
  /** This silo's database: the control database in CONTROL, the region's in REGION. */
  readonly db: Db;
  readonly fetch?: typeof fetch;
  readonly onCall?: (event: CallEvent) => void;
  readonly mappingCache?: MappingCacheOptions;
}

export interface AppRuntime {
  readonly runtime: SiloRuntime<ServiceContext>;
  readonly client: AppClient;
  readonly mappings: MappingCache;
}

export function createAppRuntime(options: AppRuntimeOptions): AppRuntime {
  const { config, db } = options;
  let client: AppClient | undefined;
  const source =
    config.mode === "REGION"
      ? rpcMappings(() => {
          if (client === undefined) throw new Error("The client is not ready yet.");
          return client;
        })
      : databaseMappings(db);
  const mappings = new MappingCache(source, options.mappingCache);
  const runtime: SiloRuntime<ServiceContext> = new SiloRuntime<ServiceContext>({
    config,
    registry: new ServiceRegistry(serviceEntries),
    mappings,
    createContext: () => context,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  client = createSiloClient(runtime, contracts);
  const context: ServiceContext = { db, client, mappings };
  return { runtime, client, mappings };
}
