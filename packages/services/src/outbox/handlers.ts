// The receiving side of every outbox category: what control (or a region) does with a message.
// Each handler is idempotent: delivered twice, or after a newer message of its object was
// coalesced into it, it leaves the same state (tests: packages/services/test/outbox.test.ts).
import { outboxHandlers } from "@acme/outbox";
import type { ServiceContext } from "../context.ts";
import { recordOrganization } from "../organization-mapping/impl.ts";
import { outboxCategories } from "./categories.ts";

export const handleMessage = outboxHandlers<ServiceContext>()(outboxCategories, {
  "organization.updated": async (payload, ctx) => {
    await recordOrganization(ctx, payload);
  },
  "organizationMapping.changed": async (payload, ctx) => {
    for (const slug of payload.slugs)
      ctx.mappings.invalidate({ organizationId: payload.organizationId, slug });
  },
});
