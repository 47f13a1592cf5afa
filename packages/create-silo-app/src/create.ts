// Creates a project: checks the input, builds every file in memory, writes them into a temporary
// folder beside the target, initialises git there, and renames it into place. Any failure removes
// what was written, so a bad input or a crash leaves the disk as it was.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { checkProjectName, checkScope, defaultScope, InputError } from "./names.ts";
import { loadTemplate, REPO_DIR, TEMPLATE_DIR } from "./template.ts";
import { transformTemplate } from "./transform.ts";

export interface CreateOptions {
  /** Where to create the project, relative to `cwd`. Its last segment is the project name. */
  readonly directory: string;
  readonly scope?: string;
  readonly demo: boolean;
  readonly git: boolean;
  readonly cwd: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface CreateResult {
  readonly target: string;
  readonly name: string;
  readonly scope: string;
  readonly files: number;
  /** What happened to git: "committed", or why it did not. */
  readonly git: { readonly committed: boolean; readonly note: string };
}

const isInside = (file: string, dir: string) => {
  const relative = path.relative(dir, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
};

const COMMIT_MESSAGE = "Initial commit from create-silo-app";

function checkTarget(target: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return; // does not exist: good
  }
  if (!stat.isDirectory()) throw new InputError(`${target} already exists and is not a folder.`);
  if (fs.readdirSync(target).length > 0) {
    throw new InputError(
      `The folder ${target} already exists and is not empty. Choose another name, or empty it first.`,
    );
  }
}

function git(cwd: string, args: string[]) {
  const run = spawnSync("git", args, { cwd, encoding: "utf8" });
  return {
    ok: run.error === undefined && run.status === 0,
    missing: (run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT",
    output: `${run.stderr ?? ""}${run.stdout ?? ""}`.trim(),
  };
}

/**
 * Formats the project with its own Biome configuration (the template's Biome version is a
 * dependency of this package): a longer scope than @acme, or a dropped demo block, changes how
 * some lines are best laid out, and the project's `npm run lint` checks the format.
 */
function format(dir: string): string | null {
  let biome: string;
  try {
    biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
  } catch {
    return "Biome is not installed: run `npm run format` in the project after `npm install`.";
  }
  const run = spawnSync(
    process.execPath,
    [biome, "check", "--write", "--vcs-enabled=false", "--no-errors-on-unmatched", "."],
    { cwd: dir, encoding: "utf8" },
  );
  if (run.error !== undefined || (run.status !== 0 && !/Checked \d+ files?/.test(run.stdout))) {
    return `Formatting with Biome failed, run \`npm run format\` in the project after \`npm install\`: ${(run.error?.message ?? run.stderr).trim()}`;
  }
  return null;
}

/** `git init -b main`, add everything, and commit when git knows who the author is. */
function initGit(dir: string): CreateResult["git"] {
  const version = git(dir, ["--version"]);
  if (version.missing || !version.ok) {
    return { committed: false, note: "git is not installed: no repository was created." };
  }
  if (!git(dir, ["init", "--quiet", "-b", "main"]).ok) {
    // git before 2.28 has no -b.
    const init = git(dir, ["init", "--quiet"]);
    if (!init.ok) return { committed: false, note: `git init failed: ${init.output}` };
    git(dir, ["symbolic-ref", "HEAD", "refs/heads/main"]);
  }
  const add = git(dir, ["add", "--all"]);
  if (!add.ok) return { committed: false, note: `git add failed: ${add.output}` };
  if (!git(dir, ["var", "GIT_COMMITTER_IDENT"]).ok || !git(dir, ["var", "GIT_AUTHOR_IDENT"]).ok) {
    return {
      committed: false,
      note:
        "git has no user name and email here, so the files are staged but not committed. Set them " +
        '(git config --global user.name "..." and user.email "..."), then run git commit.',
    };
  }
  const commit = git(dir, ["commit", "--quiet", "--no-verify", "-m", COMMIT_MESSAGE]);
  if (!commit.ok) {
    return {
      committed: false,
      note: `git commit failed, so the files are staged but not committed: ${commit.output}`,
    };
  }
  return { committed: true, note: `git repository initialised on main: "${COMMIT_MESSAGE}".` };
}

export async function createProject(options: CreateOptions): Promise<CreateResult> {
  const log = options.log ?? (() => {});
  const target = path.resolve(options.cwd, options.directory);
  const name = checkProjectName(path.basename(target));
  const scope = checkScope(options.scope ?? defaultScope(name));
  checkTarget(target);
  if (!fs.existsSync(TEMPLATE_DIR) && isInside(target, REPO_DIR)) {
    // The template is this repository's files: a project inside it would become part of the
    // template of the next one.
    throw new InputError(
      `${target} is inside the template repository ${REPO_DIR}: create the project outside it, e.g. ${path.join("..", path.basename(target))}.`,
    );
  }

  const template = loadTemplate();
  const files = transformTemplate(template.files, { name, scope, demo: options.demo });
  log(
    `Creating ${name} in ${target} (scope ${scope}, ${options.demo ? "with" : "without"} the demo services), from ${template.source}.`,
  );
  for (const note of template.notes) log(note);

  // Created here, so removed on failure: missing parent folders, then the temporary folder.
  const parent = path.dirname(target);
  const createdParent = fs.mkdirSync(parent, { recursive: true });
  const temporary = path.join(
    parent,
    `.${path.basename(target)}.create-silo-app-${randomBytes(4).toString("hex")}`,
  );
  const moved: string[] = [];
  try {
    fs.mkdirSync(temporary);
    for (const [file, { data, executable }] of files) {
      const full = path.join(temporary, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, data, { mode: executable ? 0o755 : 0o644 });
    }
    const formatProblem = format(temporary);
    if (formatProblem !== null) log(formatProblem);
    const gitResult = options.git
      ? initGit(temporary)
      : { committed: false, note: "--no-git: no git repository was created." };
    // Checked again: the target may have appeared meanwhile.
    checkTarget(target);
    if (fs.existsSync(target)) {
      // An empty folder the user made (perhaps their shell's working directory): keep it, and
      // move the project's entries into it.
      for (const entry of fs.readdirSync(temporary)) {
        fs.renameSync(path.join(temporary, entry), path.join(target, entry));
        moved.push(path.join(target, entry));
      }
      fs.rmdirSync(temporary);
    } else {
      fs.renameSync(temporary, target);
    }
    return { target, name, scope, files: files.size, git: gitResult };
  } catch (error) {
    for (const entry of moved) fs.rmSync(entry, { recursive: true, force: true });
    fs.rmSync(temporary, { recursive: true, force: true });
    if (createdParent !== undefined) fs.rmSync(createdParent, { recursive: true, force: true });
    throw error;
  }
}
