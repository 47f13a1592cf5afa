// The process's RPC configuration, parsed once from the environment.
import { EnvError, type Environment, envFlag, loadEnv } from "@acme/config";
import { z } from "zod";
import { DEFAULT_MAX_NONCES } from "./signing.ts";
import { SiloMode } from "./silo-mode.ts";

const url = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

const regionSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and dashes"),
  address: url.optional(),
  category: z.enum(["MULTI_TENANT", "SINGLE_TENANT"]).default("MULTI_TENANT"),
});
export type RegionConfig = z.output<typeof regionSchema>;

/** What a silo does with a signed request while its shared replay store cannot be reached. */
export const REPLAY_UNAVAILABLE_POLICIES = ["refuse", "accept-with-local-check"] as const;
export type ReplayUnavailablePolicy = (typeof REPLAY_UNAVAILABLE_POLICIES)[number];

function isRedisUrl(value: string): boolean {
  if (!/^rediss?:\/\//.test(value)) return false;
  try {
    return new URL(value).hostname !== "";
  } catch {
    return false;
  }
}

const methodName = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/;
const list = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const envSchema = z
  .object({
    SILO_MODE: z.enum(SiloMode).default(SiloMode.MONOLITH),
    REGION_NAME: z.string().optional(),
    RPC_SHARED_SECRET: z
      .string()
      .optional()
      .transform((value) => (value === undefined ? [] : list(value))),
    CONTROL_ADDRESS: url.optional(),
    REGION_CONFIG: z
      .string()
      .default("[]")
      .transform((value, ctx) => {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          ctx.addIssue({
            code: "custom",
            message: "must be a JSON list of {name, address, category?}",
          });
          return z.NEVER;
        }
      })
      .pipe(z.array(regionSchema)),
    RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    RPC_METHOD_TIMEOUTS: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const timeouts = new Map<string, number>();
        for (const item of list(value)) {
          const [name, ms] = item.split("=");
          const parsed = Number(ms);
          if (
            name === undefined ||
            !methodName.test(name) ||
            !Number.isInteger(parsed) ||
            parsed <= 0
          ) {
            ctx.addIssue({
              code: "custom",
              message: `"${item}" is not service.method=<milliseconds>`,
            });
            continue;
          }
          timeouts.set(name, parsed);
        }
        return timeouts;
      }),
    RPC_DISABLED_METHODS: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const names = list(value);
        for (const name of names) {
          if (!methodName.test(name))
            ctx.addIssue({ code: "custom", message: `"${name}" is not service.method` });
        }
        return new Set(names);
      }),
    RPC_MAX_BUDGET_MS: z.coerce.number().int().positive().default(60_000),
    RPC_IDEMPOTENCY_TTL_S: z.coerce.number().int().positive().default(86_400),
    RPC_ACCEPT_RPC0: envFlag.default(false),
    RPC_MAX_CLOCK_SKEW_S: z.coerce.number().int().positive().default(300),
    RPC_MAX_NONCES: z.coerce.number().int().positive().default(DEFAULT_MAX_NONCES),
    RPC_REPLAY_STORE: z
      .string()
      .trim()
      .default("memory")
      .refine((value) => value === "memory" || isRedisUrl(value), {
        message: '"memory" or a redis:// (rediss://) URL, e.g. redis://127.0.0.1:6379/0',
      }),
    RPC_REPLAY_PREFIX: z
      .string()
      .regex(/^[!-~]{1,100}$/, "1 to 100 printable ASCII characters, no spaces")
      .optional(),
    RPC_REPLAY_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(250),
    RPC_REPLAY_STORE_UNAVAILABLE: z.enum(REPLAY_UNAVAILABLE_POLICIES).default("refuse"),
    RPC_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
  })
  .superRefine((env, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    const names = env.REGION_CONFIG.map((region) => region.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) issue("REGION_CONFIG", `region "${duplicate}" is listed twice`);
    if (env.SILO_MODE === "MONOLITH") return;
    if (env.RPC_SHARED_SECRET.length === 0) {
      issue("RPC_SHARED_SECRET", `is required when SILO_MODE is ${env.SILO_MODE}`);
    }
    for (const region of env.REGION_CONFIG) {
      if (region.address === undefined) {
        issue(
          "REGION_CONFIG",
          `region "${region.name}" needs an address when SILO_MODE is ${env.SILO_MODE}`,
        );
      }
    }
    if (env.SILO_MODE === "REGION") {
      if (env.REGION_NAME === undefined)
        issue("REGION_NAME", "is required when SILO_MODE is REGION");
      else if (!names.includes(env.REGION_NAME)) {
        issue(
          "REGION_NAME",
          `"${env.REGION_NAME}" is not in REGION_CONFIG (${names.join(", ") || "empty"})`,
        );
      }
      if (env.CONTROL_ADDRESS === undefined)
        issue("CONTROL_ADDRESS", "is required when SILO_MODE is REGION");
    }
  });

/**
 * Where accepted nonces are remembered (docs/wire-protocol.md §6.3): this process's memory, or a
 * Redis shared by every replica of the silo, under `prefix`.
 */
export type ReplayConfig =
  | { readonly store: "memory" }
  | {
      readonly store: "redis";
      readonly url: string;
      /** Prepended to each nonce's key: one silo's replicas share it, other silos do not. */
      readonly prefix: string;
      /** The longest a request waits for the store's answer before it counts as unreachable. */
      readonly timeoutMs: number;
      readonly whenUnavailable: ReplayUnavailablePolicy;
    };

/** `rpc:replay:control:`, `rpc:replay:region:eu:`: the key prefix of a silo's replicas. */
export function defaultReplayPrefix(mode: SiloMode, regionName: string | undefined): string {
  return `rpc:replay:${mode.toLowerCase()}:${regionName === undefined ? "" : `${regionName}:`}`;
}

export interface SiloConfig {
  readonly mode: SiloMode;
  /** This process's region (REGION mode only). */
  readonly regionName: string | undefined;
  readonly regions: readonly RegionConfig[];
  readonly controlAddress: string | undefined;
  /** The first signs; all verify (rotation: add the new secret second, then move it first). */
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly methodTimeouts: ReadonlyMap<string, number>;
  readonly disabledMethods: ReadonlySet<string>;
  /** The longest a served method may run for a caller's X-Rpc-Budget-Ms (larger ones are cut). */
  readonly maxBudgetMs: number;
  /** How long a mutation's result answers retries with its idempotency key, in seconds. */
  readonly idempotencyTtlSeconds: number;
  readonly acceptRpc0: boolean;
  readonly maxClockSkewSeconds: number;
  /** Unexpired nonces remembered at most; beyond, new requests wait (503), none is forgotten. */
  readonly maxNonces: number;
  readonly maxBodyBytes: number;
  readonly replay: ReplayConfig;
}

/** Reads the RPC configuration; every wrong variable is named in one error. */
export function loadSiloConfig(env: Environment = process.env): SiloConfig {
  const parsed = loadEnv(envSchema, env);
  const regionName = parsed.SILO_MODE === "REGION" ? parsed.REGION_NAME : undefined;
  return {
    mode: parsed.SILO_MODE,
    regionName,
    regions: parsed.REGION_CONFIG,
    controlAddress: parsed.CONTROL_ADDRESS,
    secrets: parsed.RPC_SHARED_SECRET,
    timeoutMs: parsed.RPC_TIMEOUT_MS,
    methodTimeouts: parsed.RPC_METHOD_TIMEOUTS,
    disabledMethods: parsed.RPC_DISABLED_METHODS,
    maxBudgetMs: parsed.RPC_MAX_BUDGET_MS,
    idempotencyTtlSeconds: parsed.RPC_IDEMPOTENCY_TTL_S,
    acceptRpc0: parsed.RPC_ACCEPT_RPC0,
    maxClockSkewSeconds: parsed.RPC_MAX_CLOCK_SKEW_S,
    maxNonces: parsed.RPC_MAX_NONCES,
    maxBodyBytes: parsed.RPC_MAX_BODY_BYTES,
    replay:
      parsed.RPC_REPLAY_STORE === "memory"
        ? { store: "memory" }
        : {
            store: "redis",
            url: parsed.RPC_REPLAY_STORE,
            prefix: parsed.RPC_REPLAY_PREFIX ?? defaultReplayPrefix(parsed.SILO_MODE, regionName),
            timeoutMs: parsed.RPC_REPLAY_TIMEOUT_MS,
            whenUnavailable: parsed.RPC_REPLAY_STORE_UNAVAILABLE,
          },
  };
}

/** A configuration from parts (tests, embedding); validated like the environment's. */
export function siloConfig(
  overrides: Partial<Omit<SiloConfig, "regions">> & {
    regions?: readonly Partial<RegionConfig>[];
  } = {},
): SiloConfig {
  const env: Record<string, string> = {
    SILO_MODE: overrides.mode ?? "MONOLITH",
    REGION_CONFIG: JSON.stringify(overrides.regions ?? []),
  };
  if (overrides.regionName !== undefined) env.REGION_NAME = overrides.regionName;
  if (overrides.controlAddress !== undefined) env.CONTROL_ADDRESS = overrides.controlAddress;
  if (overrides.secrets !== undefined) env.RPC_SHARED_SECRET = overrides.secrets.join(",");
  if (overrides.timeoutMs !== undefined) env.RPC_TIMEOUT_MS = String(overrides.timeoutMs);
  if (overrides.methodTimeouts !== undefined) {
    env.RPC_METHOD_TIMEOUTS = [...overrides.methodTimeouts].map(([k, v]) => `${k}=${v}`).join(",");
  }
  if (overrides.disabledMethods !== undefined)
    env.RPC_DISABLED_METHODS = [...overrides.disabledMethods].join(",");
  if (overrides.maxBudgetMs !== undefined) env.RPC_MAX_BUDGET_MS = String(overrides.maxBudgetMs);
  if (overrides.idempotencyTtlSeconds !== undefined)
    env.RPC_IDEMPOTENCY_TTL_S = String(overrides.idempotencyTtlSeconds);
  if (overrides.acceptRpc0 !== undefined) env.RPC_ACCEPT_RPC0 = String(overrides.acceptRpc0);
  if (overrides.maxClockSkewSeconds !== undefined)
    env.RPC_MAX_CLOCK_SKEW_S = String(overrides.maxClockSkewSeconds);
  if (overrides.maxNonces !== undefined) env.RPC_MAX_NONCES = String(overrides.maxNonces);
  if (overrides.maxBodyBytes !== undefined) env.RPC_MAX_BODY_BYTES = String(overrides.maxBodyBytes);
  if (overrides.replay?.store === "redis") {
    env.RPC_REPLAY_STORE = overrides.replay.url;
    env.RPC_REPLAY_PREFIX = overrides.replay.prefix;
    env.RPC_REPLAY_TIMEOUT_MS = String(overrides.replay.timeoutMs);
    env.RPC_REPLAY_STORE_UNAVAILABLE = overrides.replay.whenUnavailable;
  }
  return loadSiloConfig(env);
}

export { EnvError };
