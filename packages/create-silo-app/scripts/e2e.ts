// npm run test:create: what a user gets, end to end. Packs this package as npm would publish it,
// creates a project from the tarball (with the demo) and one from the repository (--no-demo),
// then in each: npm install (from the registry, or npm's cache), the lockfile must be unchanged
// by it, and the project's own lint, typecheck and tests (PGlite only) must pass (the demo project
// skips one slow suite, see WITHOUT_SLOW_SUITES), and the --no-demo project's browser tests too
// (Chromium needed, as for `npm run test:e2e`) and its replica tests (`npm run test:scale`, on
// TEST_DATABASE_URL's server when it is set; HAProxy needed). Slow (minutes): CI runs it as a step of its own,
// not as part of `npm test`.
//
// CREATE_E2E_KEEP=1 keeps the projects (their folder is printed). CREATE_E2E_LOCK=<file>
// serializes the npm installs with other processes on the machine (flock on that file).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_DIR, REPO_DIR } from "../src/template.ts";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "create-silo-app-e2e-"));
const started = performance.now();
const timings: string[] = [];
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// Each project runs on its own: none of this repository's CI settings leak into it.
const env: NodeJS.ProcessEnv = { ...process.env };
for (const name of Object.keys(env)) {
  if (/^(npm_|INIT_CWD$|TEST_DATABASE_URL$|DATABASE_URL$|TURBO_)/.test(name)) delete env[name];
}
Object.assign(env, {
  GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME || "create-silo-app e2e",
  GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL || "e2e@example.com",
  GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || "create-silo-app e2e",
  GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || "e2e@example.com",
  TURBO_TELEMETRY_DISABLED: "1",
  NEXT_TELEMETRY_DISABLED: "1",
  CHECKPOINT_DISABLE: "1",
});

function step(
  title: string,
  command: string,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): string {
  console.log(`\n==> ${title}: ${command} ${args.join(" ")}  (in ${cwd})`);
  const since = performance.now();
  const run = spawnSync(command, args, {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  timings.push(`${title.padEnd(44)} ${seconds(since)}`);
  if (run.status !== 0) {
    console.log(output);
    throw new Error(`${title} failed (exit ${run.status ?? run.signal}).`);
  }
  console.log(output.trim().split("\n").slice(-6).join("\n"));
  return output;
}

function install(project: string, label: string) {
  const npm = ["install", "--prefer-offline", "--no-audit", "--no-fund"];
  const lock = process.env.CREATE_E2E_LOCK;
  if (lock) step(`${label}: npm install`, "flock", [lock, "npm", ...npm], project);
  else step(`${label}: npm install`, "npm", npm, project);
}

function check(
  project: string,
  label: string,
  options: { browserTests: boolean; scaleTests: boolean },
) {
  install(project, label);
  const changed = step(`${label}: lockfile unchanged`, "git", ["status", "--porcelain"], project);
  if (changed.trim() !== "") throw new Error(`npm install changed the new project:\n${changed}`);
  step(`${label}: npm run lint`, "npm", ["run", "lint"], project);
  step(`${label}: npm run typecheck`, "npm", ["run", "typecheck"], project);
  step(`${label}: npm test`, "npm", ["test"], project);
  // Replicas of the built silo behind HAProxy on PostgreSQL. The demo project's are this
  // repository's own tests; a --no-demo project keeps the ones that need no demo service.
  if (options.scaleTests) {
    const server = process.env.TEST_DATABASE_URL;
    if (server === undefined || server === "")
      console.log(`\n==> ${label}: npm run test:scale skipped (TEST_DATABASE_URL is not set)`);
    else
      step(`${label}: npm run test:scale`, "npm", ["run", "test:scale"], project, {
        TEST_DATABASE_URL: server,
      });
  }
  // The admin app's browser tests (a production build, Chromium). The demo project's are this
  // repository's own, which CI runs; a --no-demo project has its own admin app to check.
  if (options.browserTests) step(`${label}: npm run test:e2e`, "npm", ["run", "test:e2e"], project);
}

let failed = false;
try {
  // 1. As published: npm pack (prepack copies the template), then `npm exec` of the tarball, which
  //    is what `npm create silo-app` runs.
  step(
    "pack create-silo-app",
    "npm",
    ["pack", "--workspace", "create-silo-app", "--pack-destination", work],
    REPO_DIR,
  );
  const tarball = fs.readdirSync(work).find((file) => file.endsWith(".tgz"));
  if (tarball === undefined) throw new Error("npm pack wrote no tarball");
  step(
    "create (packed, with the demo)",
    "npm",
    [
      "exec",
      "--yes",
      "--prefer-offline",
      `--package=${path.join(work, tarball)}`,
      "--",
      "create-silo-app",
      "demo-app",
      "--scope",
      "@demo-co",
    ],
    work,
  );
  check(path.join(work, "demo-app"), "demo", { browserTests: false, scaleTests: false });

  // 2. From the repository, without the demo.
  step(
    "create (repository, --no-demo)",
    process.execPath,
    [path.join(PACKAGE_DIR, "bin/create-silo-app.js"), "core-app", "--no-demo"],
    work,
  );
  check(path.join(work, "core-app"), "no-demo", { browserTests: true, scaleTests: true });
} catch (error) {
  failed = true;
  console.error(`\n${(error as Error).message}`);
} finally {
  console.log(`\nTimings (total ${seconds(started)}):\n  ${timings.join("\n  ")}`);
  if (process.env.CREATE_E2E_KEEP) console.log(`Projects kept in ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
  // The repository must be as it was: prepack's template/ removed by postpack.
  if (fs.existsSync(path.join(PACKAGE_DIR, "template"))) {
    console.error("template/ was left behind by npm pack");
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
