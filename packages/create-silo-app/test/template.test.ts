// Which files of the template repository a new project gets: what git tracks, as the working tree
// has it; untracked files are left out and named, and uncommitted changes are named too. In real
// git repositories: a small one for each case, and a copy of this one for the command itself.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_DIR, readRepository } from "../src/template.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    "git",
    [
      "-c",
      "user.name=Test",
      "-c",
      "user.email=test@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );

function write(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

/** A repository with one commit of `files`. */
function repository(files: Record<string, string>): string {
  const root = tempDir("create-silo-app-repo-");
  git(root, "init", "--quiet");
  write(root, files);
  git(root, "add", "--all");
  git(root, "commit", "--quiet", "-m", "first");
  return root;
}

const committed = {
  ".gitignore": "*.log\n",
  "README.md": "# template\n",
  "src/a.ts": "export const a = 1;\n",
  "src/gone.ts": "export const gone = 1;\n",
  // This package is never part of a new project, tracked or not.
  "packages/create-silo-app/README.md": "# the tool\n",
};

const text = (template: ReturnType<typeof readRepository>, file: string) =>
  template.files.get(file)?.data.toString("utf8");

describe("the template from a repository", () => {
  it("is what git tracks, and says nothing when the working tree is clean", () => {
    const root = repository(committed);
    const template = readRepository(root);
    expect([...template.files.keys()]).toEqual([
      ".gitignore",
      "README.md",
      "src/a.ts",
      "src/gone.ts",
    ]);
    expect(template.notes).toEqual([]);
  });

  it("leaves out untracked files and names them; copies tracked files as the working tree has them, and names those", () => {
    const root = repository(committed);
    write(root, {
      // Untracked: a service generated and not committed, and a stray note.
      "src/audit-log/contract.ts": "export const auditLog = 1;\n",
      "notes.txt": "mine\n",
      // Ignored by .gitignore, or never a template file: not named.
      "debug.log": "noise\n",
      ".env": "SECRET=1\n",
      "packages/create-silo-app/scratch.ts": "x\n",
      // A tracked file edited, a new file staged, a tracked file deleted.
      "src/a.ts": "export const a = 2;\n",
      "src/staged.ts": "export const staged = 1;\n",
    });
    git(root, "add", "src/staged.ts");
    fs.rmSync(path.join(root, "src/gone.ts"));

    const template = readRepository(root);

    expect([...template.files.keys()]).toEqual([
      ".gitignore",
      "README.md",
      "src/a.ts",
      "src/staged.ts",
    ]);
    expect(text(template, "src/a.ts")).toBe("export const a = 2;\n");
    expect(template.notes).toEqual([
      `Left out 2 files in ${root} that git does not track (the template is what git tracks; \`git add\` or commit a file to include it, or list it in .gitignore):\n  notes.txt\n  src/audit-log/contract.ts`,
      "Copied 3 tracked files with changes that are not committed, as they are in the working tree:\n  src/a.ts\n  src/gone.ts (deleted: left out)\n  src/staged.ts",
      "If those changes go with the files left out (a service generated but not committed edits contracts.ts, registry.ts and index.ts), the new project will not build: commit both, or neither, and run this again.",
    ]);
  });

  it("names untracked files alone when nothing tracked changed", () => {
    const root = repository(committed);
    write(root, { "src/new.ts": "export const n = 1;\n" });
    const template = readRepository(root);
    expect(template.files.has("src/new.ts")).toBe(false);
    expect(template.notes).toEqual([
      `Left out 1 file in ${root} that git does not track (the template is what git tracks; \`git add\` or commit a file to include it, or list it in .gitignore):\n  src/new.ts`,
    ]);
  });

  it("says when the repository has no commit to compare with", () => {
    const root = tempDir("create-silo-app-repo-");
    git(root, "init", "--quiet");
    write(root, { "README.md": "# template\n", "src/a.ts": "export const a = 1;\n" });
    git(root, "add", "README.md");
    const template = readRepository(root);
    expect([...template.files.keys()]).toEqual(["README.md"]);
    expect(template.notes).toEqual([
      `Left out 1 file in ${root} that git does not track (the template is what git tracks; \`git add\` or commit a file to include it, or list it in .gitignore):\n  src/a.ts`,
      `The repository at ${root} has no commit yet: its tracked files are copied as they are in the working tree.`,
    ]);
  });

  it("refuses a folder that is not a git repository, naming it", () => {
    const root = tempDir("create-silo-app-plain-");
    expect(() => readRepository(root)).toThrow(
      `This package has no template/ folder, and the repository at ${root} cannot be listed with git (git ls-files -z --cached): `,
    );
  });
});

describe("create-silo-app in a repository with a service generated and not committed", () => {
  it("leaves the service out, says so, and keeps the tracked files as the working tree has them", () => {
    // A copy of this repository (its files as they are now), committed, with node_modules linked.
    const copy = tempDir("create-silo-app-copy-");
    const files = execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: REPO_DIR,
        encoding: "utf8",
      },
    )
      .split("\0")
      .filter((file) => file !== "" && fs.existsSync(path.join(REPO_DIR, file)));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_DIR, file), path.join(copy, file));
    }
    git(copy, "init", "--quiet");
    git(copy, "add", "--all");
    git(copy, "commit", "--quiet", "-m", "template");
    fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(copy, "node_modules"));
    const registry = "packages/services/src/registry.ts";
    fs.appendFileSync(path.join(copy, registry), "// edited, not committed\n");
    write(copy, { "packages/services/src/audit-log/contract.ts": "export const auditLog = 1;\n" });

    const cwd = tempDir("create-silo-app-target-");
    const run = spawnSync(
      process.execPath,
      [path.join(copy, "packages/create-silo-app/bin/create-silo-app.js"), "my-app", "--no-git"],
      { cwd, encoding: "utf8" },
    );

    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `Left out 1 file in ${copy} that git does not track (the template is what git tracks; \`git add\` or commit a file to include it, or list it in .gitignore):\n  packages/services/src/audit-log/contract.ts\n`,
    );
    expect(run.stdout).toContain(
      `Copied 1 tracked file with changes that are not committed, as they are in the working tree:\n  ${registry}\n`,
    );
    expect(run.stdout).toContain("the new project will not build: commit both, or neither");
    const project = path.join(cwd, "my-app");
    expect(fs.existsSync(path.join(project, "packages/services/src/audit-log"))).toBe(false);
    expect(fs.readFileSync(path.join(project, registry), "utf8")).toContain(
      "// edited, not committed",
    );
  }, 300_000);
});
