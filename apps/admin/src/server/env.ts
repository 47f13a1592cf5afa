// The admin app's environment, parsed once with Zod. Nothing else in the app reads process.env.
import { type Environment, envFlag, loadEnv } from "@acme/config";
import { loadSiloConfig, type SiloConfig } from "@acme/rpc";
import { DEMO_REGION_CONFIG } from "@acme/services/runtime";
import { z } from "zod";

const schema = z
  .object({
    /** MONOLITH: every service in this process, on its own database. CONTROL: a client of the silos. */
    SILO_MODE: z
      .enum(["MONOLITH", "CONTROL"], {
        error: "must be MONOLITH or CONTROL (the admin app does not run as a region silo)",
      })
      .default("MONOLITH"),
    DATABASE_URL: z.string().default(".data/admin"),
    SEED_DEMO_DATA: envFlag.default(true),
    /** MONOLITH only: how often this process's outbox drains sweep for messages left waiting. */
    OUTBOX_SWEEP_MS: z.coerce.number().int().min(10).default(1000),
    CONTROL_ADDRESS: z.string().optional(),
    REGION_CONFIG: z.string().optional(),
    RPC_SHARED_SECRET: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.SILO_MODE !== "CONTROL") return;
    for (const name of ["CONTROL_ADDRESS", "REGION_CONFIG", "RPC_SHARED_SECRET"] as const) {
      if (env[name] === undefined || env[name] === "")
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is required when SILO_MODE is CONTROL",
        });
    }
  });

export type AdminEnv = z.output<typeof schema>;

export interface AdminSettings {
  readonly env: AdminEnv;
  /** The RPC configuration (regions, secrets, timeouts), validated by @acme/rpc. */
  readonly config: SiloConfig;
}

/**
 * Reads the app's variables and the RPC configuration. Every wrong variable is named in one
 * error. `loadEnv` also reads the repository's `.env` (variables already set win).
 */
export function loadAdminSettings(source: Environment = process.env): AdminSettings {
  const env = loadEnv(schema, source);
  const config = loadSiloConfig({ REGION_CONFIG: DEMO_REGION_CONFIG, ...source });
  return { env, config };
}
