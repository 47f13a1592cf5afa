// Every outbox category: what one silo tells another through its outbox (docs/outboxes.md). A
// category's payload is part of the RPC schema document (the inbox methods' input), so the
// compatibility gate checks its changes like any method's.
import { type AnyOutboxCategory, defineOutboxCategory } from "@acme/outbox";
import { z } from "zod";
import { id, OrganizationStatus, regionName, slug } from "../models.ts";

/** An organization was created or changed in its region: control records its mapping. */
export const organizationUpdated = defineOutboxCategory({
  name: "organization.updated",
  direction: "REGION_TO_CONTROL",
  description:
    "An organization was created or changed in its region: control records its mapping (and completes the slug's reservation).",
  payload: z.object({
    organizationId: id,
    slug,
    name: z.string().min(1).max(100),
    regionName,
    status: OrganizationStatus,
  }),
  shard: (payload) => ({ scope: "organization", id: payload.organizationId }),
  object: (payload) => payload.organizationId,
});

/** Control changed a mapping: every region drops what its routing cache holds for it. */
export const organizationMappingChanged = defineOutboxCategory({
  name: "organizationMapping.changed",
  direction: "CONTROL_TO_REGION",
  description:
    "Control changed an organization's mapping: each region's routing cache forgets the organization and its slugs.",
  payload: z.object({
    organizationId: id,
    slugs: z.array(slug).min(1).max(2),
  }),
  shard: (payload) => ({ scope: "organization", id: payload.organizationId }),
  object: (payload) => payload.organizationId,
});

/** Every category, whichever way it travels. */
export const outboxCategories = [
  organizationUpdated,
  organizationMappingChanged,
  // Add new categories above this line.
] as const satisfies readonly AnyOutboxCategory[];
