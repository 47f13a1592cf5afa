import type { Db } from "@acme/db";
import type { MappingSource, OrganizationMapping } from "@acme/rpc";
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

/** Mappings read through the control silo's RPC (REGION processes). */
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
    bySlug: async (slug) => pick(await client().organizationMapping.getBySlug.query({ slug })),
    byId: async (organizationId) =>
      pick(await client().organizationMapping.getById.query({ organizationId })),
    single: async () => {
      const { mappings } = await client().organizationMapping.list.query({ limit: 2 });
      return mappings.length === 1 ? pick(mappings[0] ?? null) : null;
    },
  };
}
