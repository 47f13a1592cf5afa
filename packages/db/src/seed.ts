import type { Db } from "./client.ts";
import { IntegrationStatus, MemberRole } from "./generated/prisma/client.ts"; // demo:line

/**
 * Demo data: organizations in two regions, and the control silo's mapping of each organization to
 * its region (what routes calls); then the demo services' rows: users, integrations and their
 * installations in the control silo, members and projects of each organization in its region.
 *
 * Ids are fixed (valid UUIDv7 values) so that the same organization has the same id in its
 * region's database and in the control silo's mapping, however the databases are split.
 */
const id = (table: number, n: number) =>
  `01940000-0000-7000-8000-${table.toString().padStart(4, "0")}${n.toString().padStart(8, "0")}`;

export const DEMO_REGIONS = ["us", "eu"] as const;

/**
 * Every demo row's creation (and update) time: fixed, so each silo's copy of a row is identical
 * wherever and whenever it was seeded.
 */
export const DEMO_SEEDED_AT = new Date("2026-01-01T00:00:00.000Z");
const atBoth = { createdAt: DEMO_SEEDED_AT, updatedAt: DEMO_SEEDED_AT } as const;
// demo:start
const at = { createdAt: DEMO_SEEDED_AT } as const;
// demo:end

export const demoData = {
  organizations: [
    { id: id(2, 1), slug: "acme", name: "Acme Corp", region: "us" },
    { id: id(2, 2), slug: "initech", name: "Initech", region: "us" },
    { id: id(2, 3), slug: "globex", name: "Globex", region: "eu" },
    { id: id(2, 4), slug: "umbrella", name: "Umbrella", region: "eu" },
  ],
  // demo:start
  users: [
    { id: id(1, 1), email: "alice@example.com", name: "Alice Adams" },
    { id: id(1, 2), email: "bob@example.com", name: "Bob Brown" },
    { id: id(1, 3), email: "carol@example.com", name: "Carol Chen" },
    { id: id(1, 4), email: "dmitri@example.com", name: "Dmitri Petrov" },
    { id: id(1, 5), email: "erin@example.com", name: "Erin Evans" },
  ],
  integrations: [
    { id: id(5, 1), provider: "github", externalId: "1001", name: "acme-corp (GitHub)" },
    { id: id(5, 2), provider: "slack", externalId: "T0GLOBEX", name: "Globex Slack" },
  ],
  members: [
    { id: id(3, 1), organizationId: id(2, 1), userId: id(1, 1), role: MemberRole.OWNER },
    { id: id(3, 2), organizationId: id(2, 1), userId: id(1, 2), role: MemberRole.MEMBER },
    { id: id(3, 3), organizationId: id(2, 2), userId: id(1, 2), role: MemberRole.OWNER },
    { id: id(3, 4), organizationId: id(2, 3), userId: id(1, 3), role: MemberRole.OWNER },
    { id: id(3, 5), organizationId: id(2, 3), userId: id(1, 4), role: MemberRole.ADMIN },
    { id: id(3, 6), organizationId: id(2, 4), userId: id(1, 4), role: MemberRole.OWNER },
    { id: id(3, 7), organizationId: id(2, 4), userId: id(1, 5), role: MemberRole.MANAGER },
  ],
  projects: [
    { id: id(4, 1), organizationId: id(2, 1), slug: "web", name: "Web storefront" },
    { id: id(4, 2), organizationId: id(2, 1), slug: "api", name: "Public API" },
    { id: id(4, 3), organizationId: id(2, 2), slug: "tps-reports", name: "TPS reports" },
    { id: id(4, 4), organizationId: id(2, 3), slug: "web", name: "Globex web" },
    { id: id(4, 5), organizationId: id(2, 4), slug: "research", name: "Research portal" },
  ],
  organizationIntegrations: [
    {
      id: id(6, 1),
      organizationId: id(2, 1),
      integrationId: id(5, 1),
      status: IntegrationStatus.ACTIVE,
    },
    {
      id: id(6, 2),
      organizationId: id(2, 3),
      integrationId: id(5, 2),
      status: IntegrationStatus.ACTIVE,
    },
  ],
  // demo:end
};

/** Which part of the demo data a database holds. A MONOLITH database holds all of it. */
export interface SeedScope {
  /** Users, integrations (with the organizations that installed them) and organization mappings. */
  readonly control: boolean;
  /** Organizations (with their members and projects) of these regions. */
  readonly regions: readonly string[];
}

export const MONOLITH_SEED_SCOPE: SeedScope = { control: true, regions: DEMO_REGIONS };

const emptyReport = () => ({
  organizationMappings: 0,
  // demo:start
  users: 0,
  integrations: 0,
  organizations: 0,
  members: 0,
  projects: 0,
  userReplicas: 0,
  organizationIntegrations: 0,
  // demo:end
});

/** Rows inserted per table by one run: all zeros when the data was already there. */
export type SeedReport = ReturnType<typeof emptyReport>;

/**
 * Loads the demo data. Idempotent: rows that exist (by id) are left as they are, so running it
 * again inserts nothing. All in one transaction: a failure leaves the database unchanged.
 */
export async function seedDemoData(
  db: Db,
  scope: SeedScope = MONOLITH_SEED_SCOPE,
): Promise<SeedReport> {
  const unknownRegion = scope.regions.find(
    (region) => !(DEMO_REGIONS as readonly string[]).includes(region),
  );
  if (unknownRegion !== undefined) {
    throw new Error(
      `The demo data has no region "${unknownRegion}"; its regions are ${DEMO_REGIONS.join(", ")}.`,
    );
  }

  return db.$transaction(async (tx) => {
    const skipDuplicates = true;
    const report: SeedReport = emptyReport();
    if (scope.control) {
      const mappings = demoData.organizations.map((org) => ({
        organizationId: org.id,
        slug: org.slug,
        name: org.name,
        regionName: org.region,
        ...atBoth,
      }));
      report.organizationMappings = (
        await tx.organizationMapping.createMany({ data: mappings, skipDuplicates })
      ).count;
      // demo:start
      report.users = (
        await tx.user.createMany({
          data: demoData.users.map((row) => ({ ...row, ...atBoth })),
          skipDuplicates,
        })
      ).count;
      report.integrations = (
        await tx.integration.createMany({
          data: demoData.integrations.map((row) => ({ ...row, ...atBoth })),
          skipDuplicates,
        })
      ).count;
      report.organizationIntegrations = (
        await tx.organizationIntegration.createMany({
          data: demoData.organizationIntegrations.map((row) => ({ ...row, ...at })),
          skipDuplicates,
        })
      ).count;
      // demo:end
    }
    // demo:start
    const organizations = demoData.organizations.filter((org) =>
      scope.regions.includes(org.region),
    );
    const inScope = new Set(organizations.map((org) => org.id));
    const owned = <T extends { organizationId: string }>(rows: T[]) =>
      rows.filter((row) => inScope.has(row.organizationId));
    const orgRows = organizations.map(({ region: _region, ...org }) => ({ ...org, ...atBoth }));
    report.organizations = (
      await tx.organization.createMany({ data: orgRows, skipDuplicates })
    ).count;
    report.members = (
      await tx.organizationMember.createMany({
        data: owned(demoData.members).map((row) => ({ ...row, ...at })),
        skipDuplicates,
      })
    ).count;
    report.projects = (
      await tx.project.createMany({
        data: owned(demoData.projects).map((row) => ({ ...row, ...atBoth })),
        skipDuplicates,
      })
    ).count;
    // The region's copy of its members' users (control's outbox keeps it up to date).
    const memberIds = new Set(owned(demoData.members).map((member) => member.userId));
    report.userReplicas = (
      await tx.userReplica.createMany({
        data: demoData.users
          .filter((user) => memberIds.has(user.id))
          .map(({ id, email, name }) => ({
            userId: id,
            email,
            name,
            isActive: true,
            updatedAt: DEMO_SEEDED_AT,
          })),
        skipDuplicates,
      })
    ).count;
    // demo:end
    return report;
  });
}
