import { baseConfig } from "@acme/vitest-config";
import { defineConfig } from "vitest/config";

// `npm run test:scale`: whole topologies of silo processes changed while they serve: each silo as
// replicas on PostgreSQL behind HAProxy under load (rolling restarts, kill -9 of a replica), and
// a secret rotation across every silo. Minutes on two cores: a CI step of its own, not part of
// `npm test`. The replica tests need TEST_DATABASE_URL and HAProxy (`apt-get install -y haproxy`).
export default defineConfig({
  ...baseConfig,
  test: { ...baseConfig.test, include: ["scale/**/*.test.ts"] },
});
