// Makes another copy of this repository's tree (a git worktree, a test's copy) resolve modules
// like this one: every dependency from this repository's node_modules, but the workspace's own
// packages (@acme/*) from the copy, plus the generated Prisma client, so the TypeScript checker
// sees the copy's code with the same types.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function linkDependencies(tree: string, root: string): void {
  const modules = path.join(tree, "node_modules");
  fs.mkdirSync(path.join(modules, "@acme"), { recursive: true });
  for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
    if (entry !== "@acme")
      fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry));
  }
  for (const entry of fs.readdirSync(path.join(root, "node_modules/@acme"))) {
    const own = path.relative(root, fs.realpathSync(path.join(root, "node_modules/@acme", entry)));
    if (fs.existsSync(path.join(tree, own)))
      fs.symlinkSync(path.join(tree, own), path.join(modules, "@acme", entry));
  }
  const generated = "packages/db/src/generated";
  if (
    fs.existsSync(path.join(root, generated)) &&
    fs.existsSync(path.join(tree, "packages/db/src"))
  ) {
    fs.cpSync(path.join(root, generated), path.join(tree, generated), { recursive: true });
  }
}

/**
 * A copy of the repository in a new temporary folder (its tracked files, and the untracked ones
 * git does not ignore), linked like this one: for tests that run the repository's own commands
 * on a changed copy. The caller removes it.
 */
export function copyRepository(root: string, prefix: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const files = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    { cwd: root, encoding: "utf8" },
  )
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    const target = path.join(copy, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (fs.existsSync(path.join(root, file))) fs.copyFileSync(path.join(root, file), target);
  }
  linkDependencies(copy, root);
  return copy;
}
