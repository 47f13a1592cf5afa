import { defineConfig } from "vitest/config";
import { baseConfig } from "./base.js";

// This package's own tests (the shared helpers), in JavaScript like the helpers themselves.
export default defineConfig({
  ...baseConfig,
  test: { ...baseConfig.test, include: ["*.test.js"] },
});
