// What the generators share: reading the repository they run in, writing all of their files or
// none, and running the repository's own commands.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Input a generator refuses. Its message names each answer that is wrong. */
export class GeneratorInputError extends Error {
  override readonly name = "GeneratorInputError";
}

/**
 * What a generator did. @turbo/gen prints an action's result as one line, "• <result> (<action
 * type>)", under "Actions completed": the result is the folder written, and the report (the files,
 * the next steps) is printed by the action itself (turbo/generators/config.ts).
 */
export interface Generated {
  /** The folder the generator wrote, relative to the repository root. */
  readonly folder: string;
  /** What was written, and what to do next: lines for the terminal. */
  readonly report: string;
}

/** A generator's output: files to create, and existing files' new contents. */
export interface FileChanges {
  /** New files by path relative to the repository root; refused if one exists. */
  readonly create: ReadonlyMap<string, string>;
  /** Existing files' new contents, by path relative to the repository root. */
  readonly update: ReadonlyMap<string, string>;
}

/**
 * Writes every change, or none: when a write fails, what was written is undone before the error
 * is rethrown. Returns the undo, for a step after the writes that fails (a check the generated
 * code must pass).
 */
export function applyChanges(root: string, changes: FileChanges): () => void {
  for (const file of changes.create.keys()) {
    if (fs.existsSync(path.join(root, file))) {
      throw new GeneratorInputError(`${file} exists already: nothing was written.`);
    }
  }
  const originals = new Map<string, string>();
  const createdDirs: string[] = [];
  const createdFiles: string[] = [];
  const undo = () => {
    for (const file of createdFiles) fs.rmSync(path.join(root, file), { force: true });
    // Deepest first, and only if nothing else was put there meanwhile.
    for (const dir of createdDirs.reverse()) {
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
    for (const [file, text] of originals) fs.writeFileSync(path.join(root, file), text);
  };
  try {
    for (const [file, text] of changes.update) {
      const full = path.join(root, file);
      originals.set(file, fs.readFileSync(full, "utf8"));
      fs.writeFileSync(full, text);
    }
    for (const [file, text] of changes.create) {
      const full = path.join(root, file);
      createdDirs.push(...missingDirs(path.dirname(full)));
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text, { flag: "wx" });
      createdFiles.push(file);
    }
  } catch (error) {
    undo();
    throw error;
  }
  return undo;
}

/** The directories `mkdir -p dir` would create, outermost first. */
function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let current = dir; !fs.existsSync(current); current = path.dirname(current)) {
    missing.unshift(current);
  }
  return missing;
}

/**
 * Inserts `line` above the line holding `anchor`, with that line's indentation. The anchors are
 * comments the repository keeps for the generators; a file without its anchor was edited by
 * hand, and the error says which comment to put back.
 */
export function insertAbove(text: string, file: string, anchor: string, line: string): string {
  const lines = text.split("\n");
  const at = lines.findIndex((candidate) => candidate.trim() === anchor);
  if (at === -1) {
    throw new GeneratorInputError(
      `${file} has no line "${anchor}": put it back where new entries go, then run the generator again.`,
    );
  }
  const indent = /^\s*/.exec(lines[at] ?? "")?.[0] ?? "";
  lines.splice(at, 0, `${indent}${line}`);
  return lines.join("\n");
}

/**
 * Inserts `name,` into the list of names (`import { ... }`, `export { ... }`) that ends with the
 * line holding `anchor`, at the place Biome's sorting puts it, so that formatting moves nothing.
 */
export function insertSorted(text: string, file: string, anchor: string, name: string): string {
  const lines = text.split("\n");
  const at = lines.findIndex((candidate) => candidate.trim() === anchor);
  if (at === -1) return insertAbove(text, file, anchor, `${name},`);
  let before = at;
  for (let index = at - 1; index >= 0; index--) {
    const entry = (lines[index] ?? "").trim();
    if (entry.endsWith("{") || entry === "") break;
    const listed = entry
      .replace(/\s*\/\/.*$/, "")
      .replace(/,$/, "")
      .replace(/^type\s+/, "");
    if (compareNames(listed, name) > 0) before = index;
  }
  const indent = /^\s*/.exec(lines[at] ?? "")?.[0] ?? "";
  lines.splice(before, 0, `${indent}${name},`);
  return lines.join("\n");
}

/** Biome's order of imported names: by letter then case (upper first), digits as numbers. */
export function compareNames(a: string, b: string): number {
  const parts = (name: string) => name.match(/\d+|\D/g) ?? [];
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < Math.min(x.length, y.length); index++) {
    const [p, q] = [x[index] as string, y[index] as string];
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) return Number(p) - Number(q);
    if (p.toLowerCase() === q.toLowerCase()) return p < q ? -1 : 1;
    return p.toLowerCase() < q.toLowerCase() ? -1 : 1;
  }
  return x.length - y.length;
}

/** The npm scope of the repository's packages (`@acme`), read from packages/services. */
export function workspaceScope(root: string): string {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(root, "packages/services/package.json"), "utf8"),
  ) as { name?: unknown };
  const match = typeof manifest.name === "string" ? /^(@[^/]+)\//.exec(manifest.name) : null;
  if (match?.[1] === undefined) {
    throw new GeneratorInputError(
      `packages/services/package.json: expected a scoped name (@scope/services), found ${String(manifest.name)}.`,
    );
  }
  return match[1];
}

export interface CommandResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs a command of the repository (npm, a tool in node_modules/.bin) in its root. */
export function runCommand(root: string, command: string, args: readonly string[]): CommandResult {
  const run = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? String(run.error) : ""}`;
  return { ok: run.status === 0, output: output.trim() };
}

/** Formats files with the repository's Biome settings: generated code then looks hand-written. */
export function formatFiles(root: string, files: readonly string[]): CommandResult {
  return runCommand(root, path.join(root, "node_modules/.bin/biome"), [
    "check",
    "--write",
    "--no-errors-on-unmatched",
    ...files,
  ]);
}

/** `billingAccount` → `billing-account`. */
export const kebabCase = (name: string): string =>
  name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** `billingAccount` → `Billing account`. */
export const sentenceCase = (name: string): string => {
  const words = kebabCase(name).split("-").join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};
