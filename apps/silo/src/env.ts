import { envFlag, loadEnv } from "@acme/config";
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().default(".data/dev"),
  SEED_DEMO_DATA: envFlag.default(true),
});

/** In development, a MONOLITH knows the demo's two regions unless REGION_CONFIG says otherwise. */
export const DEV_REGION_CONFIG = JSON.stringify([{ name: "us" }, { name: "eu" }]);

export type SiloEnv = z.infer<typeof schema>;

/** The silo's configuration, read once; errors name each variable that is wrong. */
export function loadSiloEnv(env: NodeJS.ProcessEnv = process.env): SiloEnv {
  return loadEnv(schema, env);
}
