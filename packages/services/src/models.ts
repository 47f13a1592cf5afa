// The shapes that cross the wire. Plain JSON: ids are UUID strings, times ISO-8601 strings, so a
// value read in process and one read over HTTP are deep-equal. No secret or internal column
// (password hashes, integration metadata) appears here.
import { z } from "zod";

// Each shared field carries an example (`.meta`): it becomes the field's `examples` in the OpenAPI
// document, from which each method's example request is made (what API viewers show in curl).
export const id = z.uuid().meta({ examples: ["0190f5e2-3c4b-7a1d-9e8f-1234567890ab"] });
export const isoDateTime = z.iso
  .datetime({ offset: true })
  .meta({ examples: ["2026-01-01T00:00:00.000Z"] });
export const slug = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be lowercase letters, digits and inner dashes")
  .meta({ examples: ["acme"] });
export const regionName = z
  .string()
  .min(1)
  .max(63)
  .meta({ examples: ["us"] });

export const OrganizationStatus = z.enum(["ACTIVE", "PENDING_DELETION", "DELETION_IN_PROGRESS"]);

export const OrganizationMapping = z.object({
  organizationId: id,
  slug,
  name: z.string(),
  regionName,
  status: OrganizationStatus,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type OrganizationMapping = z.output<typeof OrganizationMapping>;

// demo:start
export const email = z.email().meta({ examples: ["alice@example.com"] });
export const MemberRole = z.enum(["OWNER", "MANAGER", "ADMIN", "MEMBER"]);
export const IntegrationStatus = z.enum(["ACTIVE", "DISABLED", "PENDING_DELETION"]);

export const OrganizationSummary = z.object({
  id,
  slug,
  name: z.string(),
  status: OrganizationStatus,
  createdAt: isoDateTime,
});
export type OrganizationSummary = z.output<typeof OrganizationSummary>;

export const OrganizationMember = z.object({
  id,
  organizationId: id,
  userId: id,
  role: MemberRole,
  createdAt: isoDateTime,
  /** The member's user as the region's replica has it (null until control's outbox sends it). */
  user: z.object({ email: z.string(), name: z.string(), isActive: z.boolean() }).nullable(),
});
export type OrganizationMember = z.output<typeof OrganizationMember>;

export const User = z.object({
  id,
  email,
  name: z.string(),
  isActive: z.boolean(),
  createdAt: isoDateTime,
});
export type User = z.output<typeof User>;

export const Integration = z.object({
  id,
  provider: z.string(),
  externalId: z.string(),
  name: z.string(),
  status: IntegrationStatus,
  createdAt: isoDateTime,
});
export type Integration = z.output<typeof Integration>;

export const OrganizationIntegration = Integration.extend({
  organizationId: id,
  installationStatus: IntegrationStatus,
});
export type OrganizationIntegration = z.output<typeof OrganizationIntegration>;
// demo:end
