import { baseConfig } from "@acme/vitest-config";
import { defineConfig } from "vitest/config";

// `npm run test:e2e`: the generators run for real in copies of the repository, and the copies'
// checks (typecheck, generated tests, rpc:compat, smoke test). A minute or more on two cores: a
// CI step of its own (`npm run test:generators`), not part of `npm test`. Each file mostly waits
// for the commands it runs: run the files side by side.
export default defineConfig({
  ...baseConfig,
  test: { ...baseConfig.test, include: ["e2e/**/*.test.ts"], maxWorkers: 3 },
});
