// Who may use the admin app. It runs arbitrary RPC calls, so it is never open by accident:
// `next dev` is open on localhost; anything else (a production build) requires a login with
// credentials from the environment, and refuses to start without them.
import { createHash, timingSafeEqual } from "node:crypto";
import { EnvError, type Environment, loadEnv } from "@acme/config";
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.string().default("development"),
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").optional(),
  ADMIN_SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

export type AuthSettings =
  | { readonly required: false }
  | {
      readonly required: true;
      readonly username: string;
      readonly password: string;
      readonly secret: string;
    };

const presence = z.object({
  NODE_ENV: z.string().default("development"),
  ADMIN_USERNAME: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_SESSION_SECRET: z.string().optional(),
});

/**
 * Whether this process asks for a login: always in production (the built server refuses to run
 * without credentials), in development only once any credential is set. Only looks at what is
 * set, never fails, so a page can ask it (the nav's "Log out") without repeating the checks.
 */
export function loginRequired(source: Environment = process.env): boolean {
  const env = loadEnv(presence, source);
  const given = [env.ADMIN_USERNAME, env.ADMIN_PASSWORD, env.ADMIN_SESSION_SECRET].some(
    (value) => value !== undefined,
  );
  return given || env.NODE_ENV === "production";
}

/** Reads and checks the login settings once; in production, missing credentials stop the app. */
export function loadAuthSettings(source: Environment = process.env): AuthSettings {
  if (!loginRequired(source)) return { required: false };
  const env = loadEnv(schema, source);
  if (
    env.ADMIN_USERNAME === undefined ||
    env.ADMIN_PASSWORD === undefined ||
    env.ADMIN_SESSION_SECRET === undefined
  ) {
    throw new EnvError(
      "The admin app runs arbitrary RPC calls, so outside `next dev` it requires a login: set " +
        "ADMIN_USERNAME, ADMIN_PASSWORD (12+ characters) and ADMIN_SESSION_SECRET (32+ characters, " +
        "e.g. `openssl rand -hex 32`). Missing: " +
        ["ADMIN_USERNAME", "ADMIN_PASSWORD", "ADMIN_SESSION_SECRET"]
          .filter((name) => env[name as keyof typeof env] === undefined)
          .join(", ") +
        ".",
    );
  }
  return {
    required: true,
    username: env.ADMIN_USERNAME,
    password: env.ADMIN_PASSWORD,
    secret: env.ADMIN_SESSION_SECRET,
  };
}

let cached: AuthSettings | undefined;
export const authSettings = (): AuthSettings => {
  cached ??= loadAuthSettings();
  return cached;
};

/** Compares credentials in constant time (both sides hashed to the same length first). */
export function credentialsMatch(
  settings: Extract<AuthSettings, { required: true }>,
  username: string,
  password: string,
): boolean {
  const same = (a: string, b: string) =>
    timingSafeEqual(
      createHash("sha256").update(a).digest(),
      createHash("sha256").update(b).digest(),
    );
  // Both compared every time, so timing does not tell which one was wrong.
  const user = same(username, settings.username);
  const pass = same(password, settings.password);
  return user && pass;
}
