// The catalog the admin's pages are built from: every contract method is in it, with its
// OpenAPI operation, and the example input a method page starts with is one the method accepts
// (and, for queries, answers) in a MONOLITH on the seeded data.
import { createDb, MONOLITH_SEED_SCOPE, seedDemoData } from "@acme/db";
import { type AnyMethodContract, siloConfig } from "@acme/rpc";
import { contracts } from "@acme/services";
import { createAppRuntime } from "@acme/services/runtime";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import { callersIn, exampleFor, methodDetails, serviceCatalog } from "./catalog.ts";

const methods = contracts.flatMap((service) =>
  Object.entries(service.methods as Record<string, AnyMethodContract>).map(
    ([name, contract]) => [`${service.key}.${name}`, service.key, name, contract] as const,
  ),
);

describe("the admin's catalog", () => {
  it("lists every service and method of the contracts, in their order", () => {
    expect(
      serviceCatalog().flatMap((service) => service.methods.map((method) => method.path)),
    ).toEqual(methods.map(([path]) => path));
  });

  it("lists as a method's callers its call sites and the uses of the client that may call it", () => {
    const at = (line: number) => ({ file: "apps/silo/src/demo.ts", line });
    const sites = {
      "organization.getOrgBySlug": [at(1)],
      "organization.listMembers": [at(2)],
      "organization.*": [at(3)],
      "user.*": [at(4)],
      "*.*": [at(5)],
    };
    expect(callersIn(sites, "organization.getOrgBySlug")).toEqual([at(1), at(3), at(5)]);
    expect(callersIn(sites, "user.getUser")).toEqual([at(4), at(5)]);
  });

  it("finds no method for an unknown name", () => {
    expect(methodDetails("organizationMapping", "nope")).toBeUndefined();
    expect(methodDetails("nope", "list")).toBeUndefined();
  });

  describe.each(methods)("%s", (path, serviceKey, name, contract) => {
    it("has its OpenAPI operation and wire path", () => {
      const details = methodDetails(serviceKey, name);
      expect(details?.operation.operationId).toBe(path);
      expect(details?.wirePath).toBe(`/api/0/internal/rpc/${serviceKey}/${name}/`);
    });

    it("starts its page with an example input the method accepts", () => {
      const details = methodDetails(serviceKey, name);
      if (details === undefined) throw new Error(`no details for ${path}`);
      const example = exampleFor(details.input);
      const parsed = contract.input.safeParse(example);
      expect(parsed.error?.issues ?? [], JSON.stringify(example)).toEqual([]);
    });
  });
});

describe("each query's example, called in a MONOLITH on the seeded data", () => {
  const monolith = suiteResource(
    async () => {
      const db = await createDb("memory://");
      try {
        await seedDemoData(db, MONOLITH_SEED_SCOPE);
      } catch (error) {
        await db.$disconnect();
        throw error;
      }
      const config = siloConfig({ mode: "MONOLITH", regions: [{ name: "us" }, { name: "eu" }] });
      return { db, runtime: createAppRuntime({ config, db }).runtime };
    },
    ({ db }) => db.$disconnect(),
  ).get;

  const queries = methods.filter(([, , , contract]) => contract.kind === "query");
  it.each(queries)("%s answers", async (path, serviceKey, name) => {
    const details = methodDetails(serviceKey, name);
    if (details === undefined) throw new Error(`no details for ${path}`);
    await expect(monolith().runtime.call(path, exampleFor(details.input))).resolves.toBeDefined();
  });
});
