import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // PGlite's first start (initdb in WebAssembly) takes a few seconds on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // In CI, list every test so the log shows each engine's run ([pglite] and [postgres]).
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
