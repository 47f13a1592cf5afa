import { controlMutation, controlQuery, defineService } from "@acme/rpc";
import { z } from "zod";
import {
  id,
  isoDateTime, // demo:line
  OrganizationMapping,
  OrganizationStatus,
  regionName,
  slug,
} from "../models.ts";

/** The most mappings one `list` call returns (and its default page size). */
export const MAX_PAGE = 100;

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
    // demo:start
    reserveSlug: controlMutation({
      description:
        "Holds a slug for an organization that regionName is about to create, until expiresAt: " +
        "CONFLICT when another organization has it or holds it. Safe to repeat. The region commits " +
        "the organization only before expiresAt; its outbox message then records the mapping.",
      input: z.object({ slug, organizationId: id, regionName }),
      output: z.object({ expiresAt: isoDateTime }),
      idempotent: true,
    }),
    releaseSlug: controlMutation({
      description:
        "Gives up a reservation made by reserveSlug (the region did not create the organization). " +
        "Does nothing if the slug is not reserved for this organization.",
      input: z.object({ slug, organizationId: id }),
      output: z.null(),
      idempotent: true,
    }),
    // demo:end
    getBySlug: controlQuery({
      description: "Where the organization with this slug lives, or null if it has no mapping.",
      input: z.object({
        slug: z
          .string()
          .min(1)
          .meta({ examples: ["acme"] }),
      }),
      output: OrganizationMapping.nullable(),
    }),
    getById: controlQuery({
      description: "Where the organization with this id lives, or null if it has no mapping.",
      input: z.object({ organizationId: id }),
      output: OrganizationMapping.nullable(),
    }),
    list: controlQuery({
      description:
        "Mappings in slug order, a page at a time: optionally only those whose slug or name " +
        "contains `query` (case-insensitive), or only one region's. Pass `nextCursor` back as " +
        "`after` for the next page.",
      input: z.object({
        query: z.string().trim().max(100).optional(),
        regionName: regionName.optional(),
        after: slug.optional(),
        limit: z.int().min(1).max(MAX_PAGE).optional(),
      }),
      output: z.object({
        mappings: z.array(OrganizationMapping),
        nextCursor: slug.nullable(),
      }),
    }),
  },
});
