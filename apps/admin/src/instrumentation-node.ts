// The Node.js half of instrumentation.ts, in its own module so the Edge bundle never sees
// `process.exit`. A production server without login settings refuses to start (Next only logs
// an error thrown at startup and serves anyway, so this exits itself).
import { authSettings } from "./server/auth.ts";

try {
  authSettings();
} catch (error) {
  console.error(`Refusing to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
