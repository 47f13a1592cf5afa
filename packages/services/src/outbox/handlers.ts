// The receiving side of every outbox category: what control (or a region) does with a message.
// Each handler is idempotent: delivered twice, or after a newer message of its object was
// coalesced into it, it leaves the same state (tests: packages/services/test/outbox.test.ts).
import { outboxHandlers } from "@acme/outbox";
import type { ServiceContext } from "../context.ts";
// One import for both editions: the no-demo project drops the handler of forgetOrganization.
import * as mappings from "../organization-mapping/impl.ts";
import { outboxCategories } from "./categories.ts";

export const handleMessage = outboxHandlers<ServiceContext>()(outboxCategories, {
  "organization.updated": async (payload, ctx) => {
    await mappings.recordOrganization(ctx, payload);
  },
  // demo:start
  "organization.deleted": async (payload, ctx) => {
    await mappings.forgetOrganization(ctx, payload);
  },
  "user.updated": async (payload, ctx) => {
    // Only users who are members here are copied; one who is no longer a member is dropped.
    const { userId, ...fields } = payload;
    await ctx.db.$transaction(async (tx) => {
      const member = await tx.organizationMember.findFirst({
        where: { userId },
        select: { id: true },
      });
      if (member === null) await tx.userReplica.deleteMany({ where: { userId } });
      else
        await tx.userReplica.upsert({
          where: { userId },
          create: { userId, ...fields },
          update: fields,
        });
    });
  },
  // demo:end
  "organizationMapping.changed": async (payload, ctx) => {
    for (const slug of payload.slugs)
      ctx.mappings.invalidate({ organizationId: payload.organizationId, slug });
  },
});
