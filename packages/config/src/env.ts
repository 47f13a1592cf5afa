import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The workspace root above `from`: the nearest folder whose package.json declares `workspaces`.
 * Outside a workspace (a deployed app on its own), `from` itself.
 *
 * Found from the working directory rather than from this file's path: bundlers (Next's
 * Turbopack) move this module and leave `import.meta.dirname` undefined.
 */
export function findRepoRoot(from: string = process.cwd()): string {
  // Not a file the app needs at run time: keep Next's output tracing from following it.
  const start = path.resolve(/* turbopackIgnore: true */ from);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (declaresWorkspaces(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

function declaresWorkspaces(file: string): boolean {
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof manifest === "object" && manifest !== null && "workspaces" in manifest;
  } catch {
    return false; // no package.json here, or not JSON: keep looking
  }
}

/**
 * The repository root. Relative paths in the environment (an embedded database directory) are
 * taken from here, so they mean the same whichever folder of the repository a command runs in.
 */
export const repoRoot = findRepoRoot();

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
