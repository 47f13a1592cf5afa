// What a new project leaves out of the template. Files shared between the demo and the core mark
// their demo-only lines with `demo:start` / `demo:end` comments (see markers.ts); files that are
// demo-only, or whose format has no comments (JSON), are listed here. The tests check that every
// path listed here exists in the template, so a rename in the repository cannot slip past.

/** Workspaces of the template repository that no new project gets (this package). */
export const REPO_ONLY_WORKSPACES = ["packages/create-silo-app"];

/** package.json entries that exist for the template repository only. */
export const REPO_ONLY_JSON: readonly JsonRemoval[] = [
  { file: "package.json", remove: [["scripts", "test:create"]] },
];

/** The demo domain: the services a project created with --no-demo does not get. */
export const DEMO_SERVICES = ["organization", "user", "integration"];

/** Methods of the demo domain in services that every project keeps (demo:start blocks). */
export const DEMO_METHODS = ["organizationMapping.reserveSlug", "organizationMapping.releaseSlug"];

/**
 * Outbox categories of the demo domain: members of the inbox methods' message union in the RPC
 * schema document (packages/services/src/outbox/categories.ts), removed from it by --no-demo.
 */
export const DEMO_OUTBOX_CATEGORIES = ["organization.deleted", "user.updated"];

/** Files and folders (ending in /) of the demo domain, deleted by --no-demo. */
export const DEMO_PATHS = [
  // The demo services, their tests, and the compatibility walk-through that edits them.
  "packages/services/src/organization/",
  "packages/services/src/user/",
  "packages/services/src/integration/",
  "packages/services/test/services.test.ts",
  // The demo's cross-silo writes through the outboxes (createOrganization, slug reservations).
  "packages/services/test/outbox.test.ts",
  // Idempotency keys over the wire: the demo's organization.createOrganization retried.
  "packages/services/test/idempotency.test.ts",
  "packages/services/e2e/",
  "packages/services/vitest.e2e.config.ts",
  // Constraints of the demo tables.
  "packages/db/test/constraints.test.ts",
  // The call budget across processes: its region method that calls control in turn is the
  // demo's organization.createOrganization.
  "apps/silo/test/deadline.test.ts",
  // Readiness after a restart under load: its callers call the demo's
  // organization.getOrganizationById.
  "apps/silo/test/readiness.test.ts",
  // Outboxes through kill -9: the demo's organizations are what flows.
  "apps/silo/test/outbox-kill.test.ts",
  "apps/silo/test/outbox-chaos.test.ts",
  // The outbox benchmark creates and updates the demo's organizations; the demo method's row
  // calls organization.getOrgBySlug, served by its baselines too.
  "bench/src/outbox.ts",
  "bench/src/demo-method.ts",
  "bench/src/demo-servers.ts",
  // `npm run demo`, and the admin app's form that creates an organization.
  "apps/silo/src/demo.ts",
  "apps/silo/test/demo.test.ts",
  "apps/admin/src/app/organizations/actions.ts",
  "apps/admin/src/app/organizations/create-form.tsx",
];

/** package.json entries of the demo domain, removed by --no-demo. */
export const DEMO_JSON: readonly JsonRemoval[] = [
  {
    file: "package.json",
    remove: [
      ["scripts", "demo"],
      ["scripts", "test:compat"],
    ],
  },
  { file: "apps/silo/package.json", remove: [["scripts", "demo"]] },
  { file: "packages/services/package.json", remove: [["scripts", "test:e2e"]] },
];

/**
 * The migrations of a project without the demo tables: one migration that creates what the
 * no-demo prisma/schema.prisma describes. It replaces every folder in prisma/migrations; a test
 * checks it is exactly what `prisma migrate diff --from-empty` writes for that schema.
 */
export const NO_DEMO_MIGRATIONS = "no-demo/prisma/migrations";

/** The deployed RPC contract: --no-demo drops the demo services' methods from it. */
export const OPENAPI_FILE = "rpc-schema/openapi.json";

export interface JsonRemoval {
  readonly file: string;
  /** Key paths to delete, e.g. ["scripts", "demo"]. */
  readonly remove: readonly (readonly string[])[];
}
