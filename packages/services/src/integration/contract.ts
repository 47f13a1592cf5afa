import { controlQuery, defineService } from "@acme/rpc";
import { z } from "zod";
import { Integration, id, OrganizationIntegration } from "../models.ts";

/** Third-party integrations and which organizations installed them: control-silo data. */
export const integrationService = defineService({
  key: "integration",
  localMode: "CONTROL",
  description: "Integrations, from the control silo. Credentials in their metadata never leave it.",
  methods: {
    getIntegration: controlQuery({
      description:
        "The integration with this id, or null. Its credentials never leave the control silo.",
      input: z.object({ integrationId: id }),
      output: Integration.nullable(),
    }),
    listForOrganization: controlQuery({
      description: "The integrations an organization installed.",
      input: z.object({ organizationId: id }),
      output: z.array(OrganizationIntegration),
    }),
  },
});
