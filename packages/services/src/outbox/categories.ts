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

// demo:start
/** A tombstone: the organization is gone from its region; control removes what points at it. */
export const organizationDeleted = defineOutboxCategory({
  name: "organization.deleted",
  direction: "REGION_TO_CONTROL",
  description:
    "An organization was deleted in its region: control removes its mapping, its slug and its organization integrations.",
  payload: z.object({ organizationId: id, slug }),
  shard: (payload) => ({ scope: "organization", id: payload.organizationId }),
  object: (payload) => payload.organizationId,
});

/** A user's new state: each region keeps a copy for its members (user_replicas). */
export const userUpdated = defineOutboxCategory({
  name: "user.updated",
  direction: "CONTROL_TO_REGION",
  description:
    "A user changed in control: each region where the user is a member updates its replica.",
  payload: z.object({
    userId: id,
    email: z.string(),
    name: z.string(),
    isActive: z.boolean(),
  }),
  shard: (payload) => ({ scope: "user", id: payload.userId }),
  object: (payload) => payload.userId,
});
// demo:end

/** Every category, whichever way it travels. */
export const outboxCategories = [
  organizationUpdated,
  organizationMappingChanged,
  organizationDeleted, // demo:line
  userUpdated, // demo:line
  // Add new categories above this line.
] as const satisfies readonly AnyOutboxCategory[];
