import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** The repository root: relative embedded-database paths are taken from here, whatever the cwd. */
export const repoRoot = path.resolve(import.meta.dirname, "../../../..");

const schema = z.object({
  DATABASE_URL: z
    .string()
    .default(".data/dev")
    .describe("postgres:// URL, memory://, or a PGlite directory relative to the repo root"),
});

export type CliEnv = z.infer<typeof schema>;

/** Reads the command-line tools' environment once (the repo's `.env` first, if there is one). */
export function loadCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
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
