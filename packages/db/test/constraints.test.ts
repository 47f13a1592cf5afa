import { suiteResource } from "@acme/vitest-config/suite-resource";
import { describe, expect, it } from "vitest";
import { Prisma } from "../src/generated/prisma/client.ts";
import { demoData, seedDemoData } from "../src/seed.ts";
import { createTestDatabase, testEngines } from "../src/testing.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function failure(promise: Promise<unknown>): Promise<Prisma.PrismaClientKnownRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError) return error;
    throw error;
  }
  throw new Error("expected the write to be rejected");
}

describe.each(testEngines)("constraints and ids [%s]", (engine) => {
  const database = suiteResource(
    async () => {
      const made = await createTestDatabase(engine);
      try {
        await seedDemoData(made.db);
      } catch (error) {
        await made.dispose();
        throw error;
      }
      return made;
    },
    (made) => made.dispose(),
  ).get;

  it("a duplicate organization slug fails with P2002 naming the slug field", async () => {
    const error = await failure(
      database().db.organization.create({ data: { slug: "acme", name: "Another Acme" } }),
    );

    expect(error.code).toBe("P2002");
    expect(error.message).toContain("Unique constraint failed on the fields: (`slug`)");
    expect(await database().db.organization.count({ where: { slug: "acme" } })).toBe(1);
  });

  it("a duplicate mapping slug and a duplicate user email are rejected the same way", async () => {
    const mapping = await failure(
      database().db.organizationMapping.create({
        data: {
          organizationId: "01940000-0000-7000-8000-999900000001",
          slug: "globex",
          name: "X",
          regionName: "us",
        },
      }),
    );
    expect(mapping.code).toBe("P2002");
    expect(mapping.message).toContain("(`slug`)");

    const user = await failure(
      database().db.user.create({ data: { email: "alice@example.com", name: "Alice again" } }),
    );
    expect(user.code).toBe("P2002");
    expect(user.message).toContain("(`email`)");
  });

  it("project slugs are unique per organization, not globally", async () => {
    const acme = demoData.organizations[0];
    const initech = demoData.organizations[1];
    if (acme === undefined || initech === undefined) throw new Error("demo data changed");

    const duplicate = await failure(
      database().db.project.create({
        data: { organizationId: acme.id, slug: "web", name: "Web again" },
      }),
    );
    expect(duplicate.code).toBe("P2002");
    expect(duplicate.message).toContain(
      "Unique constraint failed on the fields: (`organization_id`, `slug`)",
    );

    const elsewhere = await database().db.project.create({
      data: { organizationId: initech.id, slug: "web", name: "Initech web" },
    });
    expect(elsewhere.slug).toBe("web");
  });

  it("a member of an organization that does not exist violates the foreign key (P2003)", async () => {
    const error = await failure(
      database().db.organizationMember.create({
        data: {
          organizationId: "01940000-0000-7000-8000-999900000002",
          userId: "01940000-0000-7000-8000-000100000001",
        },
      }),
    );
    expect(error.code).toBe("P2003");
  });

  it("new rows get time-ordered UUIDv7 ids", async () => {
    const first = await database().db.organization.create({
      data: { slug: "first-v7", name: "First" },
    });
    const second = await database().db.organization.create({
      data: { slug: "second-v7", name: "Second" },
    });

    expect(first.id).toMatch(UUID_V7);
    expect(second.id).toMatch(UUID_V7);
    expect(second.id > first.id).toBe(true);
  });

  it("deleting an organization deletes its members and projects", async () => {
    const umbrella = demoData.organizations.find((o) => o.slug === "umbrella");
    if (umbrella === undefined) throw new Error("demo data changed");

    await database().db.organization.delete({ where: { id: umbrella.id } });

    const where = { organizationId: umbrella.id };
    expect(await database().db.organizationMember.count({ where })).toBe(0);
    expect(await database().db.project.count({ where })).toBe(0);
  });
});
