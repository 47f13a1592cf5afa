// Makes another copy of this repository's tree (a git worktree, a test's copy) resolve modules
// like this one: every dependency from this repository's node_modules, but the workspace's own
// packages (@acme/*) from the copy, plus the generated Prisma client, so the TypeScript checker
// sees the copy's code with the same types.
import fs from "node:fs";
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
