import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The repository root. Relative paths in the environment (an embedded database directory) are
 * taken from here, so they mean the same whichever folder a command runs in.
 */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** Any set of variables: `process.env`, or a plain object in tests and embedding code. */
export type Environment = Readonly<Record<string, string | undefined>>;

export class EnvError extends Error {
  override readonly name = "EnvError";
}

/** A boolean variable: "true"/"1" or "false"/"0". */
export const envFlag = z
  .enum(["true", "false", "1", "0"], { error: 'must be "true" or "false"' })
  .transform((value) => value === "true" || value === "1");

/**
 * Parses a process's configuration once, with Zod. Reads the repository's `.env` first when
 * there is one (variables already set win). Every problem is reported, each naming its variable.
 */
export function loadEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Environment = process.env,
): z.output<Schema> {
  if (env === process.env) loadDotenvOnce();
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    return `${name}: ${issue.message}`;
  });
  throw new EnvError(`Invalid environment:\n  ${problems.join("\n  ")}`);
}

let dotenvLoaded = false;
function loadDotenvOnce(): void {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  const file = path.join(repoRoot, ".env");
  if (fs.existsSync(file)) process.loadEnvFile(file);
}
