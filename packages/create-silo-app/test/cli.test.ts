// The command as a user runs it (the bin, in its own process): bad input is refused with a clear
// error and exit code 1, and leaves the disk exactly as it was.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = path.join(import.meta.dirname, "../bin/create-silo-app.js");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "create-silo-app-cli-"));
  dirs.push(dir);
  return dir;
}

/** Every path under a folder, with file contents: what "nothing was written" compares. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    entries[path.relative(dir, full)] = entry.isFile() ? fs.readFileSync(full, "utf8") : "dir";
  }
  return entries;
}

function create(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("create-silo-app, given bad input, explains and writes nothing", () => {
  it.each([
    [
      "an invalid project name",
      ["Not_Valid"],
      'Invalid project name "Not_Valid": name can no longer contain capital letters',
    ],
    [
      "a project name npm refuses",
      ["--", "-dash-first"],
      'Invalid project name "-dash-first": name cannot start with a hyphen',
    ],
    [
      "a scope with capitals",
      ["my-app", "--scope", "@Acme"],
      'Invalid scope "@Acme": a scoped package name can no longer contain capital letters',
    ],
    [
      "a scope with a slash",
      ["my-app", "--scope", "@acme/rpc"],
      'Invalid scope "@acme/rpc": it cannot contain "/" or another "@"',
    ],
    [
      "a scope with characters npm does not allow",
      ["my-app", "--scope", "@my app"],
      'Invalid scope "@my app": a scoped package name can only contain URL-friendly characters',
    ],
    ["an empty scope", ["my-app", "--scope", "@"], 'Invalid scope "@": the name after @ is empty'],
    ["no folder", [], "Give the folder to create, e.g. my-app."],
    ["two folders", ["one", "two"], "Give one folder, not 2 (one, two)"],
    ["an unknown option", ["my-app", "--demo-free"], "Unknown option '--demo-free'"],
  ])("%s", (_case, args, message) => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, "keep.txt"), "already here");
    const before = snapshot(cwd);

    const result = create(cwd, args);

    expect(result.stderr).toContain(message);
    expect(result.status).toBe(1);
    expect(snapshot(cwd)).toEqual(before);
  });

  it("an existing folder that is not empty, or a file, is refused and left untouched", () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, "taken"));
    fs.writeFileSync(path.join(cwd, "taken/notes.md"), "mine");
    fs.writeFileSync(path.join(cwd, "a-file"), "mine too");
    const before = snapshot(cwd);

    const taken = create(cwd, ["taken"]);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain(
      `The folder ${path.join(cwd, "taken")} already exists and is not empty.`,
    );

    const file = create(cwd, ["a-file"]);
    expect(file.status).toBe(1);
    expect(file.stderr).toContain(
      `${path.join(cwd, "a-file")} already exists and is not a folder.`,
    );

    expect(snapshot(cwd)).toEqual(before);
  });

  it("a folder inside the template repository is refused (it would join the next template)", () => {
    const repo = path.join(import.meta.dirname, "../../..");
    const result = create(repo, ["inside-the-template"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${path.join(repo, "inside-the-template")} is inside the template repository`,
    );
    expect(result.stderr).toContain("e.g. ../inside-the-template");
    expect(fs.existsSync(path.join(repo, "inside-the-template"))).toBe(false);
  });

  it("--help prints the usage and writes nothing", () => {
    const cwd = tempDir();
    const result = create(cwd, ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: create-silo-app <directory> [options]");
    expect(result.stdout).toContain("--no-demo");
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
});

describe("create-silo-app, given good input", () => {
  const identity = {
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
  };

  it("creates the project in a new folder (parents included), commits it, and prints the next commands", () => {
    const cwd = tempDir();
    const result = create(cwd, ["nested/my-app", "--no-demo"], identity);

    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Creating my-app in");
    expect(result.stdout).toContain("scope @my-app, without the demo services");
    expect(result.stdout).toMatch(
      /cd nested\/my-app\n {2}npm install\n {2}npm run dev .*\n {2}npm test/,
    );
    const project = path.join(cwd, "nested/my-app");
    const git = (...args: string[]) =>
      spawnSync("git", args, { cwd: project, encoding: "utf8" }).stdout.trim();
    expect(git("log", "--format=%s")).toBe("Initial commit from create-silo-app");
    expect(git("branch", "--show-current")).toBe("main");
    expect(git("status", "--porcelain")).toBe("");
    expect(git("ls-files")).toContain("packages/rpc/src/index.ts");
    // Only the project: no temporary folder is left beside it.
    expect(fs.readdirSync(path.join(cwd, "nested"))).toEqual(["my-app"]);
  });

  it("fills an existing empty folder; without a git identity it stages the files and says so", () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, "empty"));
    const folder = fs.statSync(path.join(cwd, "empty")).ino;
    const home = tempDir();
    const result = create(cwd, ["empty", "--scope", "acme2"], {
      HOME: home,
      XDG_CONFIG_HOME: home,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: path.join(home, "no-gitconfig"),
      GIT_AUTHOR_NAME: "",
      GIT_AUTHOR_EMAIL: "",
      GIT_COMMITTER_NAME: "",
      GIT_COMMITTER_EMAIL: "",
      EMAIL: "",
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain("scope @acme2, with the demo services");
    expect(result.stdout).toContain("git has no user name and email here, so the files are staged");
    const project = path.join(cwd, "empty");
    // The same folder (a shell may be in it), now holding the project; nothing else beside it.
    expect(fs.statSync(project).ino).toBe(folder);
    expect(fs.readdirSync(cwd)).toEqual(["empty"]);
    expect(fs.existsSync(path.join(project, "packages/services/src/user/contract.ts"))).toBe(true);
    const staged = spawnSync("git", ["diff", "--cached", "--name-only"], {
      cwd: project,
      encoding: "utf8",
    }).stdout;
    expect(staged).toContain("package.json");
  });

  it("--no-git creates no repository", () => {
    const cwd = tempDir();
    const result = create(cwd, ["plain", "--no-git"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--no-git: no git repository was created.");
    expect(fs.existsSync(path.join(cwd, "plain/.git"))).toBe(false);
    expect(fs.existsSync(path.join(cwd, "plain/.gitignore"))).toBe(true);
  });
});
