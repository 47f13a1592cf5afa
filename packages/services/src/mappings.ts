import type { Db } from "@acme/db";
import { type MappingSource, type OrganizationMapping, runWithDeadline } from "@acme/rpc";
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
