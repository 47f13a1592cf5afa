import { Prisma } from "@acme/db";
import { TRPCError } from "@acme/rpc";
import { implement, iso } from "../context.ts";
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
    const [owner, taken] = await Promise.all([
      ctx.client.user.getUser.query({ userId: input.ownerUserId }),
      ctx.client.organizationMapping.getBySlug.query({ slug: input.slug }),
    ]);
    if (owner === null) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `ownerUserId ${input.ownerUserId} is not a user.`,
      });
    }
    if (taken !== null) {
      throw new TRPCError({
        code: "CONFLICT",
        message: `The organization slug "${input.slug}" is taken.`,
      });
    }
    let org: SummaryRow;
    try {
      org = await ctx.db.organization.create({
        data: {
          slug: input.slug,
          name: input.name,
          members: { create: { userId: input.ownerUserId, role: "OWNER" } },
        },
        select: summarySelect,
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new TRPCError({
          code: "CONFLICT",
          message: `The organization slug "${input.slug}" is taken.`,
        });
      }
      throw error;
    }
    try {
      await ctx.client.organizationMapping.upsert.mutate({
        organizationId: org.id,
        slug: org.slug,
        name: org.name,
        regionName: input.regionName,
      });
    } catch (error) {
      // Without its mapping the organization cannot be reached: undo, so nothing is half-made.
      await ctx.db.organization.delete({ where: { id: org.id } });
      throw error;
    }
    return summary(org);
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
