// Plain JavaScript: Vitest loads config files with Node, which cannot import TypeScript from
// another package. Types are in base.d.ts.
import { defineConfig } from "vitest/config";

/** The Vitest settings every package shares; a package's vitest.config.ts re-exports or merges it. */
export const baseConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests start real processes and databases: PGlite's first start (initdb in WebAssembly)
    // takes a few seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // In CI, list every test, so the log shows each database engine's run ([pglite], [postgres]).
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
