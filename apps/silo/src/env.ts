import { type Environment, envFlag, loadEnv } from "@acme/config";
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().default(".data/dev"),
  SEED_DEMO_DATA: envFlag.default(true),
  /** 0 picks a free port (tests); the chosen one is logged. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type SiloEnv = z.infer<typeof schema>;

/** The silo's configuration, read once; errors name each variable that is wrong. */
export function loadSiloEnv(env: Environment = process.env): SiloEnv {
  return loadEnv(schema, env);
}
