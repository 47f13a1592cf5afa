import { implement, iso } from "../context.ts";
import { integrationService } from "./contract.ts";

// Never the metadata: it may hold the provider's credentials.
const select = {
  id: true,
  provider: true,
  externalId: true,
  name: true,
  status: true,
  createdAt: true,
} as const;

export const integrationImpl = implement(integrationService, {
  getIntegration: async ({ input, ctx }) => {
    const row = await ctx.db.integration.findUnique({ where: { id: input.integrationId }, select });
    return row === null ? null : { ...row, createdAt: iso(row.createdAt) };
  },
  listForOrganization: async ({ input, ctx }) => {
    const rows = await ctx.db.organizationIntegration.findMany({
      where: { organizationId: input.organizationId },
      select: { organizationId: true, status: true, integration: { select } },
      orderBy: { createdAt: "asc" },
    });
    return rows.map((row) => ({
      ...row.integration,
      createdAt: iso(row.integration.createdAt),
      organizationId: row.organizationId,
      installationStatus: row.status,
    }));
  },
});
