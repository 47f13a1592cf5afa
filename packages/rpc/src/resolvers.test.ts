import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import {
  byOrganizationId,
  byOrganizationIdAttribute,
  byOrganizationSlug,
  byRegionName,
  type MappingSource,
  type OrganizationMapping,
  requireSingleOrganization,
} from "./resolvers.ts";

const rows: OrganizationMapping[] = [
  { organizationId: "id-acme", slug: "acme", regionName: "us" },
  { organizationId: "id-globex", slug: "globex", regionName: "eu" },
];
const source = (mappings: OrganizationMapping[]): MappingSource => ({
  bySlug: async (slug) => mappings.find((m) => m.slug === slug) ?? null,
  byId: async (id) => mappings.find((m) => m.organizationId === id) ?? null,
  single: async () => (mappings.length === 1 ? (mappings[0] ?? null) : null),
});
const context = { mappings: source(rows) };

describe("resolvers", () => {
  it("byOrganizationSlug reads the named parameter", async () => {
    expect(await byOrganizationSlug().resolve({ slug: "globex" }, context)).toEqual({
      region: "eu",
    });
    expect(await byOrganizationSlug("orgSlug").resolve({ orgSlug: "acme" }, context)).toEqual({
      region: "us",
    });
    expect(await byOrganizationSlug().resolve({ slug: "nobody" }, context)).toEqual({
      mappingNotFound: 'organization with slug "nobody"',
    });
  });

  it("byOrganizationId reads the named parameter", async () => {
    expect(await byOrganizationId().resolve({ organizationId: "id-acme" }, context)).toEqual({
      region: "us",
    });
    expect(await byOrganizationId("orgId").resolve({ orgId: "id-x" }, context)).toEqual({
      mappingNotFound: "organization id-x",
    });
  });

  it("byRegionName takes the region from the parameter without any lookup", async () => {
    const failing: MappingSource = {
      bySlug: () => Promise.reject(new Error("no lookups")),
      byId: () => Promise.reject(new Error("no lookups")),
      single: () => Promise.reject(new Error("no lookups")),
    };
    expect(await byRegionName().resolve({ regionName: "eu" }, { mappings: failing })).toEqual({
      region: "eu",
    });
  });

  it("byOrganizationIdAttribute reads an attribute of an object parameter", async () => {
    const resolver = byOrganizationIdAttribute("project");
    expect(await resolver.resolve({ project: { organizationId: "id-globex" } }, context)).toEqual({
      region: "eu",
    });
    expect(resolver.spec).toEqual({
      kind: "byOrganizationIdAttribute",
      param: "project",
      attribute: "organizationId",
    });
    await expect(resolver.resolve({ project: {} } as never, context)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'Parameter "project.organizationId" is required to route this call to its region.',
    });
  });

  it("requireSingleOrganization routes to the only organization's region, and refuses otherwise", async () => {
    expect(
      await requireSingleOrganization().resolve({}, { mappings: source(rows.slice(1)) }),
    ).toEqual({
      region: "eu",
    });
    const error = await requireSingleOrganization()
      .resolve({}, context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "PRECONDITION_FAILED" });
  });

  it("a missing routing parameter is a BAD_REQUEST naming it", async () => {
    await expect(byOrganizationSlug().resolve({} as never, context)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'Parameter "slug" is required to route this call to its region.',
    });
  });
});
