import { baseConfig } from "@acme/vitest-config";
import { defineConfig } from "vitest/config";

// `npm run test:e2e` (the root's `npm run test:compat`): the compatibility gate's walk-through,
// the real `rpc:compat` command in copies of the repository that are changed and type-checked at
// every step. Minutes on two cores: a CI step of its own, not part of `npm test`.
export default defineConfig({
  ...baseConfig,
  test: { ...baseConfig.test, include: ["e2e/**/*.test.ts"] },
});
