import { Prisma } from "@acme/db";
import { TRPCError } from "@acme/rpc";
import { implement, iso } from "../context.ts";
import { MAX_PAGE, organizationMappingService } from "./contract.ts";

const select = {
  organizationId: true,
  slug: true,
  name: true,
  regionName: true,
  status: true,
  createdAt: true,
  updatedAt: true,
} as const;
type Row = Prisma.OrganizationMappingGetPayload<{ select: typeof select }>;
const toMapping = (row: Row) => ({
  ...row,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export const organizationMappingImpl = implement(organizationMappingService, {
  upsert: async ({ input, ctx }) => {
    const { organizationId, ...fields } = input;
    const previous = await ctx.db.organizationMapping.findUnique({
      where: { organizationId },
      select: { slug: true },
    });
    let row: Row;
    try {
      row = await ctx.db.organizationMapping.upsert({
        where: { organizationId },
        create: { organizationId, ...fields },
        update: fields,
        select,
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new TRPCError({
          code: "CONFLICT",
          message: `The organization slug "${input.slug}" is mapped to another organization.`,
        });
      }
      throw error;
    }
    ctx.mappings.invalidate({ organizationId, slug: input.slug });
    if (previous !== null && previous.slug !== input.slug)
      ctx.mappings.invalidate({ slug: previous.slug });
    return toMapping(row);
  },
  getBySlug: async ({ input, ctx }) => {
    const row = await ctx.db.organizationMapping.findUnique({
      where: { slug: input.slug },
      select,
    });
    return row === null ? null : toMapping(row);
  },
  list: async ({ input, ctx }) => {
    const limit = input.limit ?? MAX_PAGE;
    // Prisma's `contains` is a LIKE pattern: escape its wildcards so they match themselves.
    const text = input.query ? input.query.replace(/[\\%_]/g, "\\$&") : undefined;
    const rows = await ctx.db.organizationMapping.findMany({
      where: {
        regionName: input.regionName,
        slug: input.after === undefined ? undefined : { gt: input.after },
        OR:
          text === undefined
            ? undefined
            : [
                { slug: { contains: text, mode: "insensitive" } },
                { name: { contains: text, mode: "insensitive" } },
              ],
      },
      orderBy: { slug: "asc" },
      // One more than asked: whether it exists says whether there is a next page.
      take: limit + 1,
      select,
    });
    const page = rows.slice(0, limit);
    return {
      mappings: page.map(toMapping),
      nextCursor: rows.length > limit ? (page.at(-1)?.slug ?? null) : null,
    };
  },
  getById: async ({ input, ctx }) => {
    const row = await ctx.db.organizationMapping.findUnique({
      where: { organizationId: input.organizationId },
      select,
    });
    return row === null ? null : toMapping(row);
  },
});
