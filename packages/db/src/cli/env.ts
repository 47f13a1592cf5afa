import { type Environment, loadEnv } from "@acme/config";
import { z } from "zod";

const schema = z.object({
  /** postgres:// URL, memory://, or a PGlite directory relative to the repository root. */
  DATABASE_URL: z.string().default(".data/dev"),
});

export type CliEnv = z.infer<typeof schema>;

/** The database command line's configuration, read once. */
export function loadCliEnv(env: Environment = process.env): CliEnv {
  return loadEnv(schema, env);
}
