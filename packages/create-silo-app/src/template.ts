// Where the template's files come from: the `template/` folder of the published package (written
// by `npm pack`'s prepack), or, when this package runs inside the template repository, the
// repository's own files as git lists them (tracked, plus new files that are not ignored).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ONLY_WORKSPACES } from "./manifest.ts";

export interface TemplateFile {
  readonly data: Buffer;
  readonly executable: boolean;
}

/** Relative path (always with `/`) to content. */
export type FileTree = Map<string, TemplateFile>;

export const PACKAGE_DIR = path.join(import.meta.dirname, "..");
export const TEMPLATE_DIR = path.join(PACKAGE_DIR, "template");
/** The repository this package sits in (packages/create-silo-app), when it runs from there. */
export const REPO_DIR = path.join(PACKAGE_DIR, "../..");

/**
 * Files npm leaves out of a package (and `.gitignore` files it reads as ignore rules): the
 * published template stores them under another name and a new project gets them back.
 */
const STORED_NAMES: Readonly<Record<string, string>> = {
  ".gitignore": "_gitignore",
  ".npmrc": "_npmrc",
};

const rename = (file: string, names: Readonly<Record<string, string>>) => {
  const base = path.posix.basename(file);
  const renamed = names[base];
  return renamed === undefined ? file : path.posix.join(path.posix.dirname(file), renamed);
};
export const storedName = (file: string) => rename(file, STORED_NAMES);
export const restoredName = (file: string) =>
  rename(file, Object.fromEntries(Object.entries(STORED_NAMES).map(([a, b]) => [b, a])));

/** Never part of a new project even when git does not ignore them (local state, build output). */
const EXCLUDED_SEGMENTS = new Set([
  "node_modules",
  ".git",
  ".data",
  ".turbo",
  ".next",
  "dist",
  "coverage",
  "test-results",
  "playwright-report",
  "generated",
]);
const EXCLUDED_NAMES = new Set([".env", ".env.local", "next-env.d.ts", ".DS_Store"]);

export function isTemplateFile(file: string): boolean {
  if (REPO_ONLY_WORKSPACES.some((workspace) => file.startsWith(`${workspace}/`))) return false;
  const segments = file.split("/");
  if (segments.some((segment) => EXCLUDED_SEGMENTS.has(segment))) return false;
  const base = segments.at(-1) ?? "";
  return !EXCLUDED_NAMES.has(base) && !base.endsWith(".tsbuildinfo");
}

/** The template files of the repository at `root`, as git lists them. */
export function repositoryFiles(root: string = REPO_DIR): string[] {
  let listing: string;
  try {
    listing = execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 },
    );
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `This package has no template/ folder, and the repository at ${root} cannot be listed with git: ${reason}`,
    );
  }
  return (
    [...new Set(listing.split("\0").filter(Boolean))]
      .filter(isTemplateFile)
      // Deleted in the working tree but still in the index.
      .filter((file) => fs.existsSync(path.join(root, file)))
      .sort()
  );
}

function read(root: string, file: string): TemplateFile {
  const full = path.join(root, file);
  return {
    data: fs.readFileSync(full),
    executable: (fs.statSync(full).mode & 0o111) !== 0,
  };
}

/** Every file of a folder, recursively, relative to it. */
function walk(dir: string, prefix = ""): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) return walk(dir, relative);
      return entry.isFile() ? [relative] : [];
    })
    .sort();
}

export interface Template {
  /** Where the files were read from, for messages. */
  readonly source: string;
  readonly files: FileTree;
}

/** The template: the published package's template/ folder if there is one, else the repository. */
export function loadTemplate(): Template {
  const files: FileTree = new Map();
  if (fs.existsSync(TEMPLATE_DIR)) {
    for (const stored of walk(TEMPLATE_DIR))
      files.set(restoredName(stored), read(TEMPLATE_DIR, stored));
    return { source: TEMPLATE_DIR, files };
  }
  for (const file of repositoryFiles(REPO_DIR)) files.set(file, read(REPO_DIR, file));
  return { source: REPO_DIR, files };
}
