import { Prisma } from "@acme/db";
import { TRPCError } from "@acme/rpc";
import { implement, iso } from "../context.ts";
import { uuidv7 } from "../ids.ts";
import { organizationUpdated } from "../outbox/categories.ts";
import { organizationService } from "./contract.ts";

const summarySelect = { id: true, slug: true, name: true, status: true, createdAt: true } as const;
type SummaryRow = Prisma.OrganizationGetPayload<{ select: typeof summarySelect }>;
const summary = (org: SummaryRow) => ({ ...org, createdAt: iso(org.createdAt) });

export const organizationImpl = implement(organizationService, {
  getOrgBySlug: async ({ input, ctx }) => {
    const org = await ctx.db.organization.findFirst({
      where: {
        slug: input.slug,
        ...(input.userId !== undefined
          ? { status: "ACTIVE", members: { some: { userId: input.userId } } }
          : {}),
      },
      select: summarySelect,
    });
    return org === null ? null : summary(org);
  },

  getOrganizationById: async ({ input, ctx }) => {
    const org = await ctx.db.organization.findUnique({
      where: { id: input.organizationId },
      select: summarySelect,
    });
    return org === null ? null : summary(org);
  },

  createOrganization: async ({ input, ctx }) => {
    const owner = await ctx.client.user.getUser.query({ userId: input.ownerUserId });
    if (owner === null) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `ownerUserId ${input.ownerUserId} is not a user.`,
      });
    }
    // Slugs are unique across regions: control holds this one for us first (CONFLICT if it is
    // another's; fails fast, leaving nothing, while control is down).
    const organizationId = uuidv7();
    const { expiresAt } = await ctx.client.organizationMapping.reserveSlug.mutate({
      slug: input.slug,
      organizationId,
      regionName: input.regionName,
    });
    try {
      // The organization and the message that records its mapping in control commit together:
      // the drain delivers the message, however long control takes to come back.
      return await ctx.outbox.transaction(async (tx, outbox) => {
        if (Date.now() >= Date.parse(expiresAt)) {
          throw new TRPCError({
            code: "TIMEOUT",
            message: `The reservation of "${input.slug}" expired before the organization was created.`,
          });
        }
        const org = await tx.organization.create({
          data: {
            id: organizationId,
            slug: input.slug,
            name: input.name,
            members: { create: { userId: input.ownerUserId, role: "OWNER" } },
          },
          select: summarySelect,
        });
        await outbox.send(organizationUpdated, {
          organizationId: org.id,
          slug: org.slug,
          name: org.name,
          regionName: input.regionName,
          status: org.status,
        });
        return summary(org);
      });
    } catch (error) {
      // Nothing committed: give the slug back (best effort; the reservation expires anyway).
      await ctx.client.organizationMapping.releaseSlug
        .mutate({ slug: input.slug, organizationId })
        .catch(() => undefined);
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new TRPCError({
          code: "CONFLICT",
          message: `The organization slug "${input.slug}" is taken.`,
        });
      }
      throw error;
    }
  },

  listMembers: async ({ input, ctx }) => {
    const members = await ctx.db.organizationMember.findMany({
      where: { organizationId: input.organizationId },
      select: { id: true, organizationId: true, userId: true, role: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return members.map((member) => ({ ...member, createdAt: iso(member.createdAt) }));
  },
});
