// Every demo method, called from every kind of silo: MONOLITH in process, the others over the
// real wire (serialized, signed, verified, validated), each silo on its own database.
import { demoData } from "@acme/db";
import { testEngines } from "@acme/db/testing";
import { fanOut, validationIssues } from "@acme/rpc";
import { SILO_MODES, type SiloIdentity, siloName } from "@acme/rpc/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import type { AppClient } from "../src/contracts.ts";
import { CALLING_SILOS, callOutcome, createServiceTopology } from "../src/testing.ts";

const org = (slug: string) => {
  const found = demoData.organizations.find((o) => o.slug === slug);
  if (found === undefined) throw new Error(`no demo organization ${slug}`);
  return found;
};
const user = (email: string) => {
  const found = demoData.users.find((u) => u.email === email);
  if (found === undefined) throw new Error(`no demo user ${email}`);
  return found;
};

/** Calls whose results must be identical wherever the caller runs. */
const READS: Record<string, (client: AppClient) => Promise<unknown>> = {
  "organization.getOrgBySlug (us)": (c) => c.organization.getOrgBySlug.query({ slug: "acme" }),
  "organization.getOrgBySlug (eu)": (c) => c.organization.getOrgBySlug.query({ slug: "globex" }),
  "organization.getOrgBySlug (no mapping)": (c) =>
    c.organization.getOrgBySlug.query({ slug: "nobody" }),
  "organization.getOrgBySlug (member)": (c) =>
    c.organization.getOrgBySlug.query({ slug: "globex", userId: user("carol@example.com").id }),
  "organization.getOrgBySlug (not a member)": (c) =>
    c.organization.getOrgBySlug.query({ slug: "globex", userId: user("alice@example.com").id }),
  "organization.getOrganizationById": (c) =>
    c.organization.getOrganizationById.query({ organizationId: org("umbrella").id }),
  "organization.listMembers": (c) =>
    c.organization.listMembers.query({ organizationId: org("acme").id }),
  "user.getUser": (c) => c.user.getUser.query({ userId: user("bob@example.com").id }),
  "user.getUser (missing)": (c) =>
    c.user.getUser.query({ userId: "01940000-0000-7000-8000-999999999999" }),
  "user.getManyByIds": (c) =>
    c.user.getManyByIds.query({
      userIds: [
        user("erin@example.com").id,
        "01940000-0000-7000-8000-999999999999",
        user("alice@example.com").id,
      ],
    }),
  "user.getByEmail": (c) => c.user.getByEmail.query({ email: "dmitri@example.com" }),
  "organizationMapping.getBySlug": (c) =>
    c.organizationMapping.getBySlug.query({ slug: "umbrella" }),
  "organizationMapping.getById": (c) =>
    c.organizationMapping.getById.query({ organizationId: org("initech").id }),
  "integration.getIntegration": (c) =>
    c.integration.getIntegration.query({ integrationId: demoData.integrations[0]?.id ?? "" }),
  "integration.listForOrganization": (c) =>
    c.integration.listForOrganization.query({ organizationId: org("globex").id }),
};

describe.each(testEngines)("demo services [%s]", (engine) => {
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

    it("gets the same errors: unknown organization id, invalid input", async () => {
      const client = services().client(silo);
      const monolith = services().client({ mode: "MONOLITH" });
      const missing = { organizationId: "01940000-0000-7000-8000-999999999999" };
      const expectedMissing = await callOutcome(monolith.organization.listMembers.query(missing));
      expect(expectedMissing).toEqual({
        error: {
          code: "NOT_FOUND",
          message: `No organization ${missing.organizationId} (no organization mapping).`,
        },
      });
      expect(await callOutcome(client.organization.listMembers.query(missing))).toEqual(
        expectedMissing,
      );

      const invalid = client.user.getByEmail.query({ email: "not-an-email" });
      await expect(invalid).rejects.toMatchObject({ code: "BAD_REQUEST" });
      expect(validationIssues(await invalid.catch((e: unknown) => e))).toEqual([
        { path: "email", message: "Invalid email address" },
      ]);
    });
  });

  it("outputs carry no secret or internal column", async () => {
    const client = services().client({ mode: "REGION", region: "us" });
    const fetched = await client.user.getUser.query({ userId: user("alice@example.com").id });
    expect(Object.keys(fetched ?? {}).sort()).toEqual([
      "createdAt",
      "email",
      "id",
      "isActive",
      "name",
    ]);
    const integration = await client.integration.getIntegration.query({
      integrationId: demoData.integrations[0]?.id ?? "",
    });
    expect(integration).not.toHaveProperty("metadata");
  });

  it("routes each call to the silo that owns the data", async () => {
    const { topology } = services();
    const hosts = async (call: () => Promise<unknown>) => {
      const before = topology.requests.length;
      await call();
      return topology.requests.slice(before).map((request) => new URL(request.url).host);
    };
    const control = services().client({ mode: "CONTROL" });
    const us = services().client({ mode: "REGION", region: "us" });
    expect(await hosts(() => control.organization.getOrgBySlug.query({ slug: "globex" }))).toEqual([
      "eu.silo.test",
    ]);
    expect(await hosts(() => control.organization.getOrgBySlug.query({ slug: "acme" }))).toEqual([
      "us.silo.test",
    ]);
    expect(
      await hosts(() => control.user.getUser.query({ userId: user("bob@example.com").id })),
    ).toEqual([]);
    expect(
      await hosts(() => us.user.getUser.query({ userId: user("bob@example.com").id })),
    ).toEqual(["control.silo.test"]);
    // A region resolves the slug through the control silo once, then from its cache.
    const first = await hosts(() => us.organization.getOrgBySlug.query({ slug: "initech" }));
    expect(first).toEqual(["control.silo.test"]);
    expect(await hosts(() => us.organization.getOrgBySlug.query({ slug: "initech" }))).toEqual([]);
    // No mapping and returnNullIfMappingNotFound: null, and no request to any region.
    expect(await hosts(() => control.organization.getOrgBySlug.query({ slug: "nobody" }))).toEqual(
      [],
    );
  });

  describe.each(SILO_MODES.map((silo) => [siloName(silo), silo] as const))(
    "createOrganization from %s",
    (name, silo) => {
      const slug = `new-${name.toLowerCase().replace(/\s+/g, "-")}-${engine}`;

      it("writes the eu database, records the mapping in control, and becomes resolvable everywhere", async () => {
        const client = services().client(silo);
        const owner = user("erin@example.com").id;

        const created = await client.organization.createOrganization.mutate({
          regionName: "eu",
          slug,
          name: `Created from ${name}`,
          ownerUserId: owner,
        });

        expect(created).toMatchObject({ slug, status: "ACTIVE" });
        // The mapping is recorded by eu's outbox drain, which started at the commit.
        await services().settled();
        // A MONOLITH is a world of its own (one database); the others share control, us and eu.
        const elsewhere = (other: SiloIdentity) =>
          services().client(silo.mode === "MONOLITH" ? silo : other);
        const controlClient = elsewhere({ mode: "CONTROL" });
        expect(await controlClient.organization.getOrgBySlug.query({ slug })).toEqual(created);
        expect(await controlClient.organizationMapping.getBySlug.query({ slug })).toMatchObject({
          organizationId: created.id,
          regionName: "eu",
        });
        expect(
          await elsewhere({ mode: "REGION", region: "us" }).organization.listMembers.query({
            organizationId: created.id,
          }),
        ).toMatchObject([{ userId: owner, role: "OWNER" }]);
        if (silo.mode !== "MONOLITH") {
          const eu = services().databases.get("eu")?.db;
          const us = services().databases.get("us")?.db;
          expect(await eu?.organization.count({ where: { slug } })).toBe(1);
          expect(await us?.organization.count({ where: { slug } })).toBe(0);
        }
      });

      it("refuses a taken slug or an unknown owner, writing nothing", async () => {
        const client = services().client(silo);
        await expect(
          client.organization.createOrganization.mutate({
            regionName: "us",
            slug: "globex",
            name: "Globex again",
            ownerUserId: user("bob@example.com").id,
          }),
        ).rejects.toMatchObject({
          code: "CONFLICT",
          message: 'The organization slug "globex" is taken: another organization has it.',
        });
        await expect(
          client.organization.createOrganization.mutate({
            regionName: "us",
            slug: `${slug}-ghost`,
            name: "Ghost",
            ownerUserId: "01940000-0000-7000-8000-999999999999",
          }),
        ).rejects.toMatchObject({ code: "BAD_REQUEST" });
        await expect(
          client.organization.createOrganization.mutate({
            regionName: "mars",
            slug: `${slug}-mars`,
            name: "Mars",
            ownerUserId: user("bob@example.com").id,
          }),
        ).rejects.toMatchObject({
          code: "BAD_REQUEST",
          message: 'Unknown region "mars". Configured regions: us, eu.',
        });
        for (const database of services().databases.values()) {
          expect(
            await database.db.organization.count({ where: { slug: { startsWith: `${slug}-` } } }),
          ).toBe(0);
        }
      });
    },
  );

  it("a mapping changed in this process is routed anew at once (the cache is invalidated)", async () => {
    const { topology } = services();
    const control = services().client({ mode: "CONTROL" });
    const initech = org("initech");
    const hosts = async (call: () => Promise<unknown>) => {
      const before = topology.requests.length;
      await call();
      return topology.requests.slice(before).map((request) => new URL(request.url).host);
    };
    expect(await hosts(() => control.organization.getOrgBySlug.query({ slug: "initech" }))).toEqual(
      ["us.silo.test"],
    );
    const move = async (regionName: string) => {
      await control.organizationMapping.upsert.mutate({
        organizationId: initech.id,
        slug: "initech",
        name: "Initech",
        regionName,
      });
      // Control's outbox tells every region (their caches forget initech): let it finish, so
      // the requests counted below are the call's own.
      await services().settled();
    };
    await move("eu");
    try {
      // The cache held initech -> us for 10 s; the upsert in this process dropped it.
      expect(
        await hosts(() => control.organization.getOrgBySlug.query({ slug: "initech" })),
      ).toEqual(["eu.silo.test"]);
    } finally {
      await move("us");
    }
    expect(await hosts(() => control.organization.getOrgBySlug.query({ slug: "initech" }))).toEqual(
      ["us.silo.test"],
    );
  });

  it("a stopped region fails fast, naming it, while the other keeps working; fan-out reports both", async () => {
    const { topology } = services();
    const control = services().client({ mode: "CONTROL" });
    topology.stop({ mode: "REGION", region: "eu" });
    try {
      await expect(
        control.organization.getOrgBySlug.query({ slug: "globex" }),
      ).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        message: expect.stringContaining('region "eu"'),
      });
      expect(await control.organization.getOrgBySlug.query({ slug: "acme" })).toMatchObject({
        slug: "acme",
      });

      const results = await fanOut(topology.control, (context) =>
        control.organization.getOrgBySlug.query({ slug: "acme" }, { context }),
      );
      expect(results.map((r) => [r.region, r.ok])).toEqual([
        ["us", true],
        ["eu", false],
      ]);
      expect(results[1]).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
    } finally {
      topology.start({ mode: "REGION", region: "eu" });
    }
    expect(await control.organization.getOrgBySlug.query({ slug: "globex" })).toMatchObject({
      slug: "globex",
    });
  });
});
