// `npm test`: every package's tests in one Vitest run. One pool of workers for the whole
// repository, sized to the machine, instead of one Vitest per package side by side (on two cores
// those starved each other into timeouts); and one summary that lists every package's failures.
// Each package keeps its own vitest.config.ts, which `npm test` inside the package uses alone.
import os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A worker per core (Vitest's default leaves one idle): many files mostly wait for the
    // processes they start (silos, the Prisma CLI, git), so the cores stay busy.
    maxWorkers: os.availableParallelism(),
    projects: [
      "apps/*/vitest.config.ts",
      "packages/*/vitest.config.ts",
      "tooling/*/vitest.config.ts",
    ],
    // In CI, list every test, so the log shows each database engine's run ([pglite], [postgres]).
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
