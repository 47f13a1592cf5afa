import { Prisma } from "@acme/db";
import { TRPCError } from "@acme/rpc";
import { implement, iso, type ServiceContext } from "../context.ts";
import type { OrganizationMapping } from "../models.ts";
import { organizationMappingChanged } from "../outbox/categories.ts";
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

/**
 * Records where an organization lives, as its region says (the `upsert` method, and the outbox
 * message of a region that created or changed one): idempotent, and it completes the slug's
 * reservation. CONFLICT when another organization has the slug.
 */
export async function recordOrganization(
  ctx: ServiceContext,
  input: {
    organizationId: string;
    slug: string;
    name: string;
    regionName: string;
    status?: OrganizationMapping["status"] | undefined;
  },
) {
  const { organizationId, ...fields } = input;
  const { row, previous } = await ctx.outbox.transaction(async (tx, outbox) => {
    const previous = await tx.organizationMapping.findUnique({
      where: { organizationId },
      select,
    });
    let row: Row;
    try {
      row = await tx.organizationMapping.upsert({
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
    // demo:start
    await tx.slugReservation.deleteMany({ where: { slug: input.slug, organizationId } });
    // demo:end
    const moved =
      previous !== null && (previous.slug !== row.slug || previous.regionName !== row.regionName);
    if (moved) {
      // Regions may have routed the organization by its old slug or region: they forget both.
      await outbox.send(
        organizationMappingChanged,
        { organizationId, slugs: [...new Set([previous.slug, row.slug])] },
        { everyRegion: true },
      );
    }
    return { row, previous };
  });
  ctx.mappings.invalidate({ organizationId, slug: input.slug });
  if (previous !== null && previous.slug !== input.slug)
    ctx.mappings.invalidate({ slug: previous.slug });
  return toMapping(row);
}

// demo:start
/**
 * Removes an organization deleted in its region from control (its tombstone's handler): its
 * mapping, its slug's reservation and its organization integrations, then tells every region.
 * Idempotent: an organization already forgotten is forgotten again at no cost.
 */
export async function forgetOrganization(
  ctx: ServiceContext,
  input: { organizationId: string; slug: string },
): Promise<void> {
  const { organizationId, slug } = input;
  await ctx.outbox.transaction(async (tx, outbox) => {
    await tx.organizationMapping.deleteMany({ where: { organizationId } });
    await tx.slugReservation.deleteMany({ where: { organizationId } });
    await tx.organizationIntegration.deleteMany({ where: { organizationId } });
    await outbox.send(
      organizationMappingChanged,
      { organizationId, slugs: [slug] },
      { everyRegion: true },
    );
  });
  ctx.mappings.invalidate({ organizationId, slug });
}

/**
 * How long a slug stays reserved for an organization its region is creating. Far longer than any
 * call may run (RPC_MAX_BUDGET_MS, 60 s), so a region that checks the expiry before it commits
 * never commits after control has let the slug go, while the clocks agree within 9 minutes.
 */
export const SLUG_RESERVATION_MS = reservationMs(process.env.SLUG_RESERVATION_MS);

/** SLUG_RESERVATION_MS from the environment (10 minutes when unset), checked once at load. */
function reservationMs(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return 10 * 60_000;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1000) {
    throw new Error(
      `SLUG_RESERVATION_MS must be a whole number of milliseconds, at least 1000 (got "${text}").`,
    );
  }
  return ms;
}

const taken = (slug: string, detail: string) =>
  new TRPCError({
    code: "CONFLICT",
    message: `The organization slug "${slug}" is taken: ${detail}.`,
  });

async function reserveSlug(
  ctx: ServiceContext,
  input: { slug: string; organizationId: string; regionName: string },
) {
  const { slug, organizationId, regionName } = input;
  const expiresAt = new Date(Date.now() + SLUG_RESERVATION_MS);
  const mapped = await ctx.db.organizationMapping.findUnique({
    where: { slug },
    select: { organizationId: true },
  });
  if (mapped !== null) {
    if (mapped.organizationId !== organizationId) throw taken(slug, "another organization has it");
    // Already recorded: the organization exists, nothing is left to hold.
    return { expiresAt: iso(expiresAt) };
  }
  const held = await ctx.db.slugReservation.findUnique({ where: { slug } });
  if (held !== null && held.organizationId !== organizationId) {
    if (held.expiresAt.getTime() > Date.now())
      throw taken(slug, `an organization is being created with it in ${held.regionName}`);
    // Expired: released only once its region says the organization does not exist. Had it been
    // created, its outbox message may still be on its way (control was down): the slug is its.
    const existing = await ctx.client.organization.getOrganizationById.query(
      { organizationId: held.organizationId },
      { context: { region: held.regionName } },
    );
    if (existing !== null) {
      await recordOrganization(ctx, {
        organizationId: existing.id,
        slug: existing.slug,
        name: existing.name,
        status: existing.status,
        regionName: held.regionName,
      });
      throw taken(slug, "another organization has it");
    }
  }
  // Replaces only what was read (this organization's own, or the expired one just checked): a
  // reservation another caller made since stays, and this create then fails on the slug.
  await ctx.db.slugReservation.deleteMany({
    where: { slug, organizationId: held?.organizationId ?? organizationId },
  });
  try {
    await ctx.db.slugReservation.create({ data: { slug, organizationId, regionName, expiresAt } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
      throw taken(slug, "another organization reserved it just now");
    throw error;
  }
  return { expiresAt: iso(expiresAt) };
}
// demo:end

export const organizationMappingImpl = implement(organizationMappingService, {
  upsert: async ({ input, ctx }) => recordOrganization(ctx, input),
  // demo:start
  reserveSlug: async ({ input, ctx }) => reserveSlug(ctx, input),
  releaseSlug: async ({ input, ctx }) => {
    await ctx.db.slugReservation.deleteMany({
      where: { slug: input.slug, organizationId: input.organizationId },
    });
    return null;
  },
  // demo:end
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
