import type { Db } from "@acme/db";
import type { Outbox } from "@acme/outbox";
import { implementationsFor, type MappingCache } from "@acme/rpc";
import type { AppClient } from "./contracts.ts";

/** What every implementation receives: this silo's database and the client for other services. */
export interface ServiceContext {
  readonly db: Db;
  readonly client: AppClient;
  /** The routing cache of this process: invalidated when this process changes a mapping. */
  readonly mappings: MappingCache;
  /** Writes that must reach another silo: committed with the change, delivered by the drain. */
  readonly outbox: Outbox;
  /** This silo's region (REGION silos); undefined in CONTROL and MONOLITH. */
  readonly regionName?: string | undefined;
}

export const implement = implementationsFor<ServiceContext>();

export const iso = (date: Date): string => date.toISOString();
