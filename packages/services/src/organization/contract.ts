import {
  byOrganizationId,
  byOrganizationSlug,
  byRegionName,
  defineService,
  regionMutation,
  regionQuery,
} from "@acme/rpc";
import { z } from "zod";
import { id, OrganizationMember, OrganizationSummary, regionName, slug } from "../models.ts";

/** Organizations live in their region's database. */
export const organizationService = defineService({
  key: "organization",
  localMode: "REGION",
  description: "Organizations and their members, in the region that holds them.",
  methods: {
    getOrgBySlug: regionQuery({
      description:
        "The organization with this slug, or null. With userId: only if it is active and the user is a member.",
      input: z.object({
        slug: z
          .string()
          .min(1)
          .meta({ examples: ["acme"] }),
        userId: id.optional(),
      }),
      output: OrganizationSummary.nullable(),
      resolve: byOrganizationSlug("slug"),
      returnNullIfMappingNotFound: true,
    }),
    getOrganizationById: regionQuery({
      description: "The organization with this id, or null if its region no longer has it.",
      input: z.object({ organizationId: id }),
      output: OrganizationSummary.nullable(),
      resolve: byOrganizationId("organizationId"),
    }),
    createOrganization: regionMutation({
      description:
        "Creates an organization, owned by ownerUserId, in regionName, then records its mapping in the control silo.",
      input: z.object({ regionName, slug, name: z.string().min(1).max(100), ownerUserId: id }),
      output: OrganizationSummary,
      resolve: byRegionName("regionName"),
    }),
    listMembers: regionQuery({
      description: "The organization's members, oldest first.",
      input: z.object({ organizationId: id }),
      output: z.array(OrganizationMember),
      resolve: byOrganizationId("organizationId"),
    }),
  },
});
