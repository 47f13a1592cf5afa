import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The repository root: relative embedded-database paths are taken from here, whatever the cwd. */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

const flag = z
  .enum(["true", "false", "1", "0"], { error: 'must be "true" or "false"' })
  .transform((value) => value === "true" || value === "1");

const schema = z.object({
  DATABASE_URL: z.string().default(".data/dev"),
  SEED_DEMO_DATA: flag.default(true),
});

export type SiloEnv = z.infer<typeof schema>;

/**
 * The silo's configuration, read once from the environment (after the repository's `.env`, when
 * there is one; variables already set win). Errors name each variable that is wrong.
 */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): SiloEnv {
  const dotenv = path.join(repoRoot, ".env");
  if (env === process.env && fs.existsSync(dotenv)) process.loadEnvFile(dotenv);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`Invalid environment:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
