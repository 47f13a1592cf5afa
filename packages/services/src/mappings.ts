import { type Db, listenDb, notifyDb, type Subscription } from "@acme/db";
import {
  type MappingCache,
  type MappingSource,
  type OrganizationMapping,
  runWithDeadline,
} from "@acme/rpc";
import { z } from "zod";
import type { AppClient } from "./contracts.ts";

const select = { organizationId: true, slug: true, regionName: true } as const;

/** Mappings read from the control database (CONTROL and MONOLITH processes). */
export function databaseMappings(db: Db): MappingSource {
  return {
    bySlug: (slug) => db.organizationMapping.findUnique({ where: { slug }, select }),
    byId: (organizationId) =>
      db.organizationMapping.findUnique({ where: { organizationId }, select }),
    single: async () => {
      const rows = await db.organizationMapping.findMany({ select, take: 2 });
      return rows.length === 1 ? (rows[0] ?? null) : null;
    },
  };
}

/**
 * Mappings read through the control silo's RPC (REGION processes). Each lookup runs under the
 * deadline of the call it routes: one budget, and the caller's signal, for both.
 */
export function rpcMappings(client: () => AppClient): MappingSource {
  const pick = (mapping: OrganizationMapping | null) =>
    mapping === null
      ? null
      : {
          organizationId: mapping.organizationId,
          slug: mapping.slug,
          regionName: mapping.regionName,
        };
  return {
    bySlug: async (slug, options) =>
      pick(
        await runWithDeadline(options?.deadline, () =>
          client().organizationMapping.getBySlug.query({ slug }),
        ),
      ),
    byId: async (organizationId, options) =>
      pick(
        await runWithDeadline(options?.deadline, () =>
          client().organizationMapping.getById.query({ organizationId }),
        ),
      ),
    single: async (options) => {
      const { mappings } = await runWithDeadline(options?.deadline, () =>
        client().organizationMapping.list.query({ limit: 2 }),
      );
      return mappings.length === 1 ? pick(mappings[0] ?? null) : null;
    },
  };
}

/**
 * The NOTIFY channel on a silo's database that tells its replicas a mapping changed: each
 * replica caches mappings, and a change is made (or delivered by control's outbox) in one.
 */
export const MAPPING_CHANGES_CHANNEL = "organization_mapping_changes";

const MappingChange = z.object({
  organizationId: z.string().optional(),
  slug: z.string().optional(),
});

/** Tells every replica on `db` to forget a mapping (MappingCache's `onInvalidate`). */
export function announceMappingChange(
  db: Db,
  onError: (error: unknown) => void,
): (mapping: { organizationId?: string; slug?: string }) => void {
  return (mapping) => {
    // After the change committed. If this fails, the others forget it when its TTL ends.
    notifyDb(db, MAPPING_CHANGES_CHANNEL, JSON.stringify(mapping)).catch(onError);
  };
}

/**
 * Makes `mappings` forget what any replica on `db` announces. While the subscription was down,
 * announcements may have been lost: the whole cache is dropped when it is back.
 */
export function followMappingChanges(
  db: Db,
  mappings: MappingCache,
  onError: (error: unknown) => void,
): Promise<Subscription> {
  return listenDb(db, MAPPING_CHANGES_CHANNEL, {
    onNotify: (payload) => {
      let change: z.infer<typeof MappingChange> | undefined;
      try {
        change = MappingChange.parse(JSON.parse(payload));
      } catch {
        change = undefined;
      }
      // Not ours to read: forgetting everything is always correct.
      if (change === undefined) mappings.clear();
      else mappings.forget(change);
    },
    onResync: () => mappings.clear(),
    onError,
  });
}
