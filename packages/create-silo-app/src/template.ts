// Where the template's files come from: the `template/` folder of the published package (written
// by `npm pack`'s prepack), or, when this package runs inside the template repository, the files
// git tracks there (untracked ones are left out, and named).
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

/** What git says about the repository's files, each list limited to template files. */
export interface RepositoryListing {
  /** The files a new project starts from: tracked by git (in its index) and in the working tree. */
  readonly files: string[];
  /** Files git does not track and does not ignore: left out. */
  readonly untracked: string[];
  /** Tracked files whose working tree differs from the last commit (copied as they are now). */
  readonly uncommitted: string[];
  /** False when the repository has no commit yet (nothing to compare the working tree with). */
  readonly hasCommit: boolean;
}

function gitList(root: string, args: readonly string[]): string[] {
  let listing: string;
  try {
    listing = execFileSync("git", [...args], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `This package has no template/ folder, and the repository at ${root} cannot be listed with git (git ${args.join(" ")}): ${reason}`,
    );
  }
  return [...new Set(listing.split("\0").filter(Boolean))].filter(isTemplateFile).sort();
}

function hasCommit(root: string): boolean {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", "HEAD"], {
      cwd: root,
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The template files of the repository at `root`: what git tracks, with the content of the
 * working tree (so the template's own tests see edits in progress). Untracked files, even when
 * git does not ignore them, are left out: a service generated and not committed is work in
 * progress, not part of the template.
 */
export function listRepository(root: string = REPO_DIR): RepositoryListing {
  const tracked = gitList(root, ["ls-files", "-z", "--cached"]);
  const untracked = gitList(root, ["ls-files", "-z", "--others", "--exclude-standard"]);
  const committed = hasCommit(root);
  const uncommitted = committed
    ? gitList(root, ["diff", "-z", "--name-only", "--no-renames", "HEAD", "--"])
    : [];
  return {
    // A file deleted in the working tree but still in the index is left out.
    files: tracked.filter((file) => fs.existsSync(path.join(root, file))),
    untracked,
    uncommitted,
    hasCommit: committed,
  };
}

const fileList = (files: readonly string[]) => files.map((file) => `  ${file}`).join("\n");
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** What the user should know about the files a listing leaves out or copies uncommitted. */
export function listingNotes(root: string, listing: RepositoryListing): string[] {
  const notes: string[] = [];
  if (listing.untracked.length > 0) {
    notes.push(
      `Left out ${count(listing.untracked.length, "file")} in ${root} that git does not track (the template is what git tracks; \`git add\` or commit a file to include it, or list it in .gitignore):\n${fileList(listing.untracked)}`,
    );
  }
  if (!listing.hasCommit) {
    notes.push(
      `The repository at ${root} has no commit yet: its tracked files are copied as they are in the working tree.`,
    );
  } else if (listing.uncommitted.length > 0) {
    const present = new Set(listing.files);
    notes.push(
      `Copied ${count(listing.uncommitted.length, "tracked file")} with changes that are not committed, as they are in the working tree:\n${fileList(
        listing.uncommitted.map((file) =>
          present.has(file) ? file : `${file} (deleted: left out)`,
        ),
      )}`,
    );
  }
  if (listing.untracked.length > 0 && listing.uncommitted.length > 0) {
    notes.push(
      "If those changes go with the files left out (a service generated but not committed edits contracts.ts, registry.ts and index.ts), the new project will not build: commit both, or neither, and run this again.",
    );
  }
  return notes;
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
  /** What was left out or copied with uncommitted changes, for the user to read. */
  readonly notes: readonly string[];
}

/** The template as the repository at `root` holds it: the files git tracks. */
export function readRepository(root: string): Template {
  const listing = listRepository(root);
  const files: FileTree = new Map();
  for (const file of listing.files) files.set(file, read(root, file));
  return { source: root, files, notes: listingNotes(root, listing) };
}

/** The template: the published package's template/ folder if there is one, else the repository. */
export function loadTemplate(): Template {
  const files: FileTree = new Map();
  if (fs.existsSync(TEMPLATE_DIR)) {
    for (const stored of walk(TEMPLATE_DIR))
      files.set(restoredName(stored), read(TEMPLATE_DIR, stored));
    return { source: TEMPLATE_DIR, files, notes: [] };
  }
  return readRepository(REPO_DIR);
}
