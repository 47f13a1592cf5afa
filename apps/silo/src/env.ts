import { type Environment, envFlag, loadEnv } from "@acme/config";
import { z } from "zod";

/** What a silo app uses when the environment leaves a variable unset. */
export interface SiloEnvDefaults {
  readonly port: number;
  readonly databaseUrl: string;
}

/** apps/silo's defaults; an app made with `turbo gen silo-app` has its own port and database. */
export const SILO_ENV_DEFAULTS: SiloEnvDefaults = { port: 8000, databaseUrl: ".data/dev" };

const schemaWith = (defaults: SiloEnvDefaults) =>
  z.object({
    DATABASE_URL: z.string().default(defaults.databaseUrl),
    SEED_DEMO_DATA: envFlag.default(true),
    /** 0 picks a free port (tests); the chosen one is logged. */
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    HOST: z.string().min(1).default("127.0.0.1"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** How long SIGTERM keeps serving with /healthz at 503 before it stops accepting (replicas behind a load balancer). */
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(0),
    /** How often the outbox drains look for messages left over (failed, or written by a process that died). */
    OUTBOX_SWEEP_MS: z.coerce.number().int().min(10).default(1000),
  });

export type SiloEnv = z.infer<ReturnType<typeof schemaWith>>;

/** The silo's configuration, read once; errors name each variable that is wrong. */
export function loadSiloEnv(
  env: Environment = process.env,
  defaults: SiloEnvDefaults = SILO_ENV_DEFAULTS,
): SiloEnv {
  return loadEnv(schemaWith(defaults), env);
}
