import { baseConfig } from "@acme/vitest-config";
import { defineConfig } from "vitest/config";

// `npm run test:scale`: each silo as replicas on PostgreSQL behind HAProxy, under load (rolling
// restarts, kill -9 of a replica). About a minute and a half on two cores: a CI step of its own,
// not part of `npm test`. Needs TEST_DATABASE_URL and HAProxy (`apt-get install -y haproxy`).
export default defineConfig({
  ...baseConfig,
  test: { ...baseConfig.test, include: ["scale/**/*.test.ts"] },
});
