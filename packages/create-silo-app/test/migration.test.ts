// A project created with --no-demo has one migration, committed in this package: it must be
// exactly what Prisma writes for the template's schema without its demo blocks.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  NO_DEMO_MIGRATION_FILE,
  noDemoMigrationSql,
  noDemoSchema,
} from "../scripts/no-demo-migration.ts";

describe("the no-demo migration", () => {
  it("creates only the core tables", () => {
    expect([...noDemoSchema().matchAll(/@@map\("(\w+)"\)/g)].map((m) => m[1])).toEqual([
      "organization_mappings",
      "control_outbox",
      "region_outbox",
      "outbox_leases",
      "idempotency_keys",
    ]);
  });

  it("is what `prisma migrate diff --from-empty` writes for the no-demo schema", () => {
    expect(
      fs.readFileSync(NO_DEMO_MIGRATION_FILE, "utf8"),
      "The core of prisma/schema.prisma changed: run `npm run no-demo:migration -w create-silo-app`.",
    ).toBe(noDemoMigrationSql());
  }, 120_000);
});
