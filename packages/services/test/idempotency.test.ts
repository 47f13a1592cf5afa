// The demo's organization.createOrganization under an idempotency key, from every kind of silo
// (MONOLITH in process, the others over the real wire into eu), each silo on its own database: a
// caller that retries after an unknown outcome gets the organization it created, not CONFLICT.
import { demoData } from "@acme/db";
import { testEngines } from "@acme/db/testing";
import { requestHash } from "@acme/rpc";
import { SILO_MODES, type SiloIdentity, siloName } from "@acme/rpc/testing";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import { databaseIdempotencyStore } from "../src/idempotency.ts";
import { createServiceTopology } from "../src/testing.ts";

const ownerUserId = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;

describe.each(testEngines)("createOrganization with an idempotency key [%s]", (engine) => {
  const services = suiteResource(
    () => createServiceTopology(engine),
    (made) => made.dispose(),
  ).get;
  /** The database that runs eu's methods for this caller: eu's own, or the MONOLITH's. */
  const euDb = (silo: SiloIdentity) =>
    services().databases.get(silo.mode === "MONOLITH" ? "monolith" : "eu")?.db;
  const organizations = (silo: SiloIdentity, slug: string) =>
    euDb(silo)?.organization.count({ where: { slug } });

  describe.each(SILO_MODES.map((silo) => [siloName(silo), silo] as const))(
    "from %s",
    (name, silo) => {
      const slug = (what: string) =>
        `idem-${what}-${name.toLowerCase().replace(/\s+/g, "-")}-${engine}`;
      const create = (slugOf: string, key: string, orgName = "Idempotent Inc") =>
        services()
          .client(silo)
          .organization.createOrganization.mutate(
            { regionName: "eu", slug: slugOf, name: orgName, ownerUserId },
            { context: { idempotencyKey: key } },
          );

      it("called twice with the caller's key, returns the same organization both times and creates one", async () => {
        const key = `create-${crypto.randomUUID()}`;
        const first = await create(slug("twice"), key);
        const retry = await create(slug("twice"), key);
        expect(retry).toEqual(first);
        expect(await organizations(silo, slug("twice"))).toBe(1);
        // What callers got before keys existed: a retry without the key is a new call, and the
        // slug is taken (by the first call).
        await expect(
          services()
            .client(silo)
            .organization.createOrganization.mutate({
              regionName: "eu",
              slug: slug("twice"),
              name: "Idempotent Inc",
              ownerUserId,
            }),
        ).rejects.toMatchObject({ code: "CONFLICT" });
        await services().settled();
      });

      it("the same key with other arguments is 422 UNPROCESSABLE_CONTENT and creates nothing more", async () => {
        const key = `create-${crypto.randomUUID()}`;
        await create(slug("other-args"), key);
        await expect(create(slug("other-args"), key, "Another Name")).rejects.toMatchObject({
          code: "UNPROCESSABLE_CONTENT",
          message: `Idempotency key "${key}" was used for a call of organization.createOrganization with other arguments.`,
        });
        await expect(create(slug("other-args-2"), key)).rejects.toMatchObject({
          code: "UNPROCESSABLE_CONTENT",
        });
        expect(await organizations(silo, slug("other-args"))).toBe(1);
        expect(await organizations(silo, slug("other-args-2"))).toBe(0);
        await services().settled();
      });

      it("while a call with the key is still running, another is 409 CONFLICT and runs nothing; once it is released, a retry creates the organization", async () => {
        const key = `create-${crypto.randomUUID()}`;
        const args = {
          regionName: "eu",
          slug: slug("running"),
          name: "Idempotent Inc",
          ownerUserId,
        };
        // The first call holds the key in the silo that runs it (eu, or the MONOLITH).
        const db = euDb(silo);
        if (db === undefined) throw new Error("no database");
        const first = databaseIdempotencyStore(db);
        const begun = await first.begin({
          key,
          path: "organization.createOrganization",
          requestHash: requestHash(args),
        });
        if (begun.status !== "new") throw new Error(`expected new, got ${begun.status}`);

        await expect(create(slug("running"), key)).rejects.toMatchObject({
          code: "CONFLICT",
          message: `organization.createOrganization with idempotency key "${key}" is still running: retry once it has finished.`,
        });
        expect(await organizations(silo, slug("running"))).toBe(0);

        // The first call failed: its key is released, and the retry runs.
        await first.abandon(key, begun.token);
        expect(await create(slug("running"), key)).toMatchObject({ slug: slug("running") });
        expect(await organizations(silo, slug("running"))).toBe(1);
        await services().settled();
      });
    },
  );
});
