// The Node.js half of instrumentation.ts, in its own module so the Edge bundle never sees
// `process.exit`. A production server without login settings refuses to start (Next only logs
// an error thrown at startup and serves anyway, so this exits itself). Then the silo runtime
// starts (in MONOLITH: the database opened, migrated, seeded) while the first page compiles,
// instead of on the first call.
import { authSettings } from "./server/auth.ts";
import { getSilo } from "./server/silo.ts";

try {
  authSettings();
} catch (error) {
  console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

getSilo().catch((error: unknown) => {
  // Not fatal: the pages say what is wrong, and the next request tries again.
  console.error(
    "admin: the silo runtime did not start:",
    error instanceof Error ? error.message : error,
  );
});
