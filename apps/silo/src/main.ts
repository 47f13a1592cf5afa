// apps/silo's process: the silo server (src/start.ts) with this app's name and defaults.
import { SILO_ENV_DEFAULTS } from "./env.ts";
import { runSilo } from "./start.ts";

runSilo({
  name: "silo",
  packageJson: new URL("../package.json", import.meta.url),
  defaults: SILO_ENV_DEFAULTS,
});
