import { Prisma } from "@acme/db";
import type { Transaction } from "@acme/outbox";
import { TRPCError } from "@acme/rpc";
import { implement, iso, type ServiceContext } from "../context.ts";
import { uuidv7 } from "../ids.ts";
import { organizationDeleted, organizationUpdated } from "../outbox/categories.ts";
import { organizationService } from "./contract.ts";

const summarySelect = { id: true, slug: true, name: true, status: true, createdAt: true } as const;
type SummaryRow = Prisma.OrganizationGetPayload<{ select: typeof summarySelect }>;
const summary = (org: SummaryRow) => ({ ...org, createdAt: iso(org.createdAt) });

/**
 * The region an organization of this database lives in: this silo's, or in a MONOLITH (whose one
 * database also holds control's tables) the one its mapping names.
 */
async function regionOf(ctx: ServiceContext, tx: Transaction, organizationId: string) {
  if (ctx.regionName !== undefined) return ctx.regionName;
  const mapping = await tx.organizationMapping.findUnique({
    where: { organizationId },
    select: { regionName: true },
  });
  if (mapping === null) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `Organization ${organizationId} has no mapping yet: its creation is still on its way to control.`,
    });
  }
  return mapping.regionName;
}

/** Which of these users are still members of an organization in this database. */
async function memberIds(tx: Transaction, users: readonly { userId: string }[]) {
  const rows = await tx.organizationMember.findMany({
    where: { userId: { in: users.map((user) => user.userId) } },
    select: { userId: true },
    distinct: ["userId"],
  });
  return rows.map((row) => row.userId);
}

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
        // The owner is a member here now: the region keeps its copy of the user.
        const user = { email: owner.email, name: owner.name, isActive: owner.isActive };
        await tx.userReplica.upsert({
          where: { userId: owner.id },
          create: { userId: owner.id, ...user },
          update: user,
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

  updateOrganization: async ({ input, ctx }) => {
    const { organizationId, ...changes } = input;
    // The change and the message that carries it to control's mapping commit together: no
    // call to control, so this succeeds while control is down.
    return await ctx.outbox.transaction(async (tx, outbox) => {
      const found = await tx.organization.findUnique({
        where: { id: organizationId },
        select: { id: true },
      });
      if (found === null) {
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `No organization ${organizationId} in this region.`,
        });
      }
      const org = await tx.organization.update({
        where: { id: organizationId },
        data: changes,
        select: summarySelect,
      });
      await outbox.send(organizationUpdated, {
        organizationId: org.id,
        slug: org.slug,
        name: org.name,
        regionName: await regionOf(ctx, tx, org.id),
        status: org.status,
      });
      return summary(org);
    });
  },

  deleteOrganization: async ({ input, ctx }) => {
    await ctx.outbox.transaction(async (tx, outbox) => {
      const org = await tx.organization.findUnique({
        where: { id: input.organizationId },
        select: { id: true, slug: true },
      });
      if (org === null) {
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `No organization ${input.organizationId} in this region.`,
        });
      }
      const members = await tx.organizationMember.findMany({
        where: { organizationId: org.id },
        select: { userId: true },
      });
      await tx.organization.delete({ where: { id: org.id } });
      // The tombstone: control removes the mapping and what it holds for the organization.
      await outbox.send(organizationDeleted, { organizationId: org.id, slug: org.slug });
      // Its members who are members of no other organization here leave the replica.
      await tx.userReplica.deleteMany({
        where: {
          userId: { in: members.map((member) => member.userId) },
          NOT: { userId: { in: await memberIds(tx, members) } },
        },
      });
    });
    return null;
  },

  listMembers: async ({ input, ctx }) => {
    const members = await ctx.db.organizationMember.findMany({
      where: { organizationId: input.organizationId },
      select: { id: true, organizationId: true, userId: true, role: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    // Names and emails from the region's replica of control's users: no RPC call.
    const replicas = await ctx.db.userReplica.findMany({
      where: { userId: { in: members.map((member) => member.userId) } },
      select: { userId: true, email: true, name: true, isActive: true },
    });
    const byId = new Map(replicas.map(({ userId, ...user }) => [userId, user]));
    return members.map((member) => ({
      ...member,
      createdAt: iso(member.createdAt),
      user: byId.get(member.userId) ?? null,
    }));
  },
});
