// Plain JavaScript: Vitest loads config files with Node, which cannot import TypeScript from
// another package. Types are in base.d.ts.
import { defineConfig } from "vitest/config";

/** The Vitest settings every package shares; a package's vitest.config.ts re-exports or merges it. */
export const baseConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests start real processes and databases. These limits are a safety net for a hung test,
    // not a speed check: on a 2-core machine that is busy with other work (load 10 to 30), a
    // process test that takes seconds when idle can take a minute.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // In CI, list every test, so the log shows each database engine's run ([pglite], [postgres]).
    // (`npm test` at the root runs every package as one Vitest run, with the root's reporters.)
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
