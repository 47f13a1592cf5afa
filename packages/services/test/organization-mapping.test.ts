// organizationMapping: the control silo's directory of organizations, which every resolver that
// routes by organization reads. Called from every kind of silo: MONOLITH in process, the others
// over the real wire, each silo on its own database.
import { demoData } from "@acme/db";
import { testEngines } from "@acme/db/testing";
import type { SiloIdentity } from "@acme/rpc/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import type { AppClient } from "../src/contracts.ts";
import { databaseMappings, rpcMappings } from "../src/mappings.ts";
import { CALLING_SILOS, callOutcome, createServiceTopology } from "../src/testing.ts";

const org = (slug: string) => {
  const found = demoData.organizations.find((o) => o.slug === slug);
  if (found === undefined) throw new Error(`no seeded organization ${slug}`);
  return found;
};

/** Calls whose results must be identical wherever the caller runs. */
const READS: Record<string, (client: AppClient) => Promise<unknown>> = {
  getBySlug: (c) => c.organizationMapping.getBySlug.query({ slug: "umbrella" }),
  "getBySlug (missing)": (c) => c.organizationMapping.getBySlug.query({ slug: "nobody" }),
  getById: (c) => c.organizationMapping.getById.query({ organizationId: org("initech").id }),
  list: (c) => c.organizationMapping.list.query({}),
  "list (search, page)": (c) => c.organizationMapping.list.query({ query: "E", limit: 1 }),
};

type ListInput = Parameters<AppClient["organizationMapping"]["list"]["query"]>[0];

describe.each(testEngines)("organizationMapping [%s]", (engine) => {
  const services = suiteResource(
    () => createServiceTopology(engine),
    (made) => made.dispose(),
  ).get;

  describe.each(CALLING_SILOS)("called from %s", (_name, silo: SiloIdentity) => {
    it.each(Object.keys(READS))("%s returns what MONOLITH returns", async (name) => {
      const call = READS[name] as (client: AppClient) => Promise<unknown>;
      const expected = await callOutcome(call(services().client({ mode: "MONOLITH" })));
      const actual = await callOutcome(call(services().client(silo)));
      expect(actual).toEqual(expected);
    });
  });

  it("lists mappings in slug order: search, one region, pages", async () => {
    const client = services().client({ mode: "REGION", region: "eu" });
    const slugs = async (input: ListInput) =>
      (await client.organizationMapping.list.query(input)).mappings.map((m) => m.slug);

    const all = await client.organizationMapping.list.query({});
    expect(all.mappings.map((m) => m.slug)).toEqual(["acme", "globex", "initech", "umbrella"]);
    expect(all.nextCursor).toBeNull();
    expect(all.mappings[1]).toEqual(
      await client.organizationMapping.getBySlug.query({ slug: "globex" }),
    );

    // Slug or name, any case: "corp" is only in the name "Acme Corp".
    expect(await slugs({ query: "GLOB" })).toEqual(["globex"]);
    expect(await slugs({ query: "corp" })).toEqual(["acme"]);
    // LIKE wildcards are searched for literally.
    expect(await slugs({ query: "%" })).toEqual([]);
    expect(await slugs({ query: "_" })).toEqual([]);
    expect(await slugs({ regionName: "eu" })).toEqual(["globex", "umbrella"]);
    expect(await slugs({ regionName: "eu", query: "umb" })).toEqual(["umbrella"]);

    const first = await client.organizationMapping.list.query({ limit: 3 });
    expect(first.mappings.map((m) => m.slug)).toEqual(["acme", "globex", "initech"]);
    expect(first.nextCursor).toBe("initech");
    const rest = await client.organizationMapping.list.query({ limit: 3, after: "initech" });
    expect(rest).toEqual({ mappings: [all.mappings[3]], nextCursor: null });

    await expect(client.organizationMapping.list.query({ limit: 101 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("upsert records a mapping from any silo, safely repeated; a taken slug is a CONFLICT", async () => {
    const fromEu = services().client({ mode: "REGION", region: "eu" });
    const fromControl = services().client({ mode: "CONTROL" });
    const mapping = {
      organizationId: "01940000-0000-7000-8000-00000000abcd",
      slug: "mapping-test",
      name: "Mapping test",
      regionName: "eu",
    };
    const created = await fromEu.organizationMapping.upsert.mutate(mapping);
    expect(created).toMatchObject({ ...mapping, status: "ACTIVE" });
    // Repeating it (a retry) changes nothing but the update time.
    const repeated = await fromEu.organizationMapping.upsert.mutate(mapping);
    expect({ ...repeated, updatedAt: created.updatedAt }).toEqual(created);
    expect(await fromControl.organizationMapping.getBySlug.query({ slug: "mapping-test" })).toEqual(
      repeated,
    );

    const taken = fromEu.organizationMapping.upsert.mutate({ ...mapping, slug: "acme" });
    await expect(taken).rejects.toMatchObject({
      code: "CONFLICT",
      message: 'The organization slug "acme" is mapped to another organization.',
    });
    // Nothing changed.
    expect(await fromControl.organizationMapping.getBySlug.query({ slug: "mapping-test" })).toEqual(
      repeated,
    );
  });

  // Last: it leaves the control silo's database with one mapping.
  it("a region silo finds the one organization of a single-organization install, over the wire", async () => {
    const control = services().databases.get("control");
    if (control === undefined) throw new Error("no control database");
    const fromRegion = rpcMappings(() => services().client({ mode: "REGION", region: "us" }));
    const fromDatabase = databaseMappings(control.db);
    expect(await fromRegion.single()).toBeNull();
    expect(await fromDatabase.single()).toBeNull();

    const only = org("globex");
    await control.db.organizationMapping.deleteMany({
      where: { organizationId: { not: only.id } },
    });
    const expected = { organizationId: only.id, slug: only.slug, regionName: only.region };
    expect(await fromRegion.single()).toEqual(expected);
    expect(await fromDatabase.single()).toEqual(expected);
  });
});
