// Resolvers: how a region-local method finds the region that owns the data a call is about.
import { TRPCError } from "@trpc/server";
import type { Deadline } from "./deadline.ts";

/** Where an organization lives, as the control silo's OrganizationMapping records it. */
export interface OrganizationMapping {
  readonly organizationId: string;
  readonly slug: string;
  readonly regionName: string;
}

/**
 * What a lookup is for: `deadline` is the budget of the call it routes. A source that asks
 * another silo runs that call under it (`runWithDeadline`), so the lookup ends with the call.
 */
export interface LookupOptions {
  readonly deadline?: Deadline | undefined;
}

/** Reads organization mappings: from the control database, or through the control silo's RPC. */
export interface MappingSource {
  bySlug(slug: string, options?: LookupOptions): Promise<OrganizationMapping | null>;
  byId(organizationId: string, options?: LookupOptions): Promise<OrganizationMapping | null>;
  /** The only organization of a single-organization install, or null when there is not exactly one. */
  single(options?: LookupOptions): Promise<OrganizationMapping | null>;
}

export interface ResolveContext extends LookupOptions {
  readonly mappings: MappingSource;
}

export type Resolution =
  | { readonly region: string }
  /** No mapping: the call fails with NOT_FOUND naming `organization`, or returns null if allowed. */
  | { readonly mappingNotFound: string };

/**
 * A resolver, with a description of itself for schemas and docs (`spec`): `kind` is the name of
 * the function that made it, as contracts call it (`byOrganizationSlug`), so the OpenAPI document
 * and the admin app show `byOrganizationSlug(slug)`, the call a contract makes.
 */
export interface Resolver<Args = never> {
  readonly spec: { readonly kind: string; readonly param?: string; readonly attribute?: string };
  readonly resolve: (args: Args, context: ResolveContext) => Promise<Resolution>;
}

/**
 * The kinds resolvers had before they took their functions' names, as contract documents
 * written then record them. The same resolvers route the same way, so the compatibility gate
 * treats `organizationSlug` becoming `byOrganizationSlug` as no change in routing.
 */
export const FORMER_RESOLVER_KINDS: Readonly<Record<string, string>> = {
  organizationSlug: "byOrganizationSlug",
  organizationId: "byOrganizationId",
  regionName: "byRegionName",
  organizationIdAttribute: "byOrganizationIdAttribute",
  singleOrganization: "requireSingleOrganization",
};

function required(args: object, param: string): unknown {
  const value = (args as Record<string, unknown>)[param];
  if (value === undefined || value === null) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `Parameter "${param}" is required to route this call to its region.`,
    });
  }
  return value;
}

function fromMapping(mapping: OrganizationMapping | null, missing: string): Resolution {
  return mapping === null ? { mappingNotFound: missing } : { region: mapping.regionName };
}

/** The region of the organization whose slug is in `param` (default `slug`). */
export function byOrganizationSlug<const P extends string = "slug">(
  param: P = "slug" as P,
): Resolver<{ readonly [K in P]: string }> {
  return {
    spec: { kind: "byOrganizationSlug", param },
    resolve: async (args, { mappings, deadline }) => {
      const slug = String(required(args, param));
      return fromMapping(
        await mappings.bySlug(slug, { deadline }),
        `organization with slug "${slug}"`,
      );
    },
  };
}

/** The region of the organization whose id is in `param` (default `organizationId`). */
export function byOrganizationId<const P extends string = "organizationId">(
  param: P = "organizationId" as P,
): Resolver<{ readonly [K in P]: string }> {
  return {
    spec: { kind: "byOrganizationId", param },
    resolve: async (args, { mappings, deadline }) => {
      const id = String(required(args, param));
      return fromMapping(await mappings.byId(id, { deadline }), `organization ${id}`);
    },
  };
}

/** The region named in `param` (default `regionName`). */
export function byRegionName<const P extends string = "regionName">(
  param: P = "regionName" as P,
): Resolver<{ readonly [K in P]: string }> {
  return {
    spec: { kind: "byRegionName", param },
    resolve: async (args) => ({ region: String(required(args, param)) }),
  };
}

/**
 * The region of the organization whose id is `attribute` (default `organizationId`) of the
 * object parameter `param`, e.g. `byOrganizationIdAttribute("project")` for `{ project: { organizationId } }`.
 */
export function byOrganizationIdAttribute<
  const P extends string,
  const A extends string = "organizationId",
>(
  param: P,
  attribute: A = "organizationId" as A,
): Resolver<{ readonly [K in P]: { readonly [L in A]: string } }> {
  return {
    spec: { kind: "byOrganizationIdAttribute", param, attribute },
    resolve: async (args, { mappings, deadline }) => {
      const holder = required(args, param);
      const id =
        typeof holder === "object" ? (holder as Record<string, unknown>)[attribute] : undefined;
      if (typeof id !== "string" || id === "") {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `Parameter "${param}.${attribute}" is required to route this call to its region.`,
        });
      }
      return fromMapping(await mappings.byId(id, { deadline }), `organization ${id}`);
    },
  };
}

/** For single-organization installs: the region of the one organization there is. */
export function requireSingleOrganization(): Resolver<object> {
  return {
    spec: { kind: "requireSingleOrganization" },
    resolve: async (_args, { mappings, deadline }) => {
      const mapping = await mappings.single({ deadline });
      if (mapping === null) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message:
            "This method needs a single-organization install, and there is not exactly one organization.",
        });
      }
      return { region: mapping.regionName };
    },
  };
}
