import { controlMutation, controlQuery, defineService } from "@acme/rpc";
import { z } from "zod";
import { id, OrganizationMapping, OrganizationStatus, regionName, slug } from "../models.ts";

/** Which region each organization lives in: read by every resolver that routes by organization. */
export const organizationMappingService = defineService({
  key: "organizationMapping",
  localMode: "CONTROL",
  description: "The control silo's directory of organizations and their regions.",
  methods: {
    upsert: controlMutation({
      description: "Records (or updates) where an organization lives. Safe to repeat.",
      input: z.object({
        organizationId: id,
        slug,
        name: z.string().min(1).max(100),
        regionName,
        status: OrganizationStatus.optional(),
      }),
      output: OrganizationMapping,
      idempotent: true,
    }),
    getBySlug: controlQuery({
      input: z.object({ slug: z.string().min(1) }),
      output: OrganizationMapping.nullable(),
    }),
    getById: controlQuery({
      input: z.object({ organizationId: id }),
      output: OrganizationMapping.nullable(),
    }),
  },
});
