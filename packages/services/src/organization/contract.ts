import {
  byOrganizationId,
  byOrganizationSlug,
  byRegionName,
  defineService,
  regionMutation,
  regionQuery,
} from "@acme/rpc";
import { z } from "zod";
import {
  id,
  OrganizationMember,
  OrganizationStatus,
  OrganizationSummary,
  regionName,
  slug,
} from "../models.ts";

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
    updateOrganization: regionMutation({
      description:
        "Changes an organization's name or status in its region; control's mapping follows through the region's outbox, so this succeeds while control is down.",
      input: z.object({
        organizationId: id,
        name: z.string().min(1).max(100).optional(),
        status: OrganizationStatus.optional(),
      }),
      output: OrganizationSummary,
      resolve: byOrganizationId("organizationId"),
      idempotent: true,
    }),
    deleteOrganization: regionMutation({
      description:
        "Deletes an organization with its members and projects in its region; a tombstone in the region's outbox removes its mapping and its integrations in control.",
      input: z.object({ organizationId: id }),
      output: z.null(),
      resolve: byOrganizationId("organizationId"),
      idempotent: true,
    }),
    listMembers: regionQuery({
      description:
        "The organization's members, oldest first, each with its user's name and email from the region's replica (no call to control).",
      input: z.object({ organizationId: id }),
      output: z.array(OrganizationMember),
      resolve: byOrganizationId("organizationId"),
    }),
  },
});
