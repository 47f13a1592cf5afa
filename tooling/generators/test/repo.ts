// The generators run as users run them, `turbo gen <name> --args ...`, in a temporary copy of
// this repository (copyRepository: its files, with this repository's node_modules linked).
import { type SpawnOptions, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { copyRepository } from "@acme/services/linked-tree";
import { expect } from "vitest";

export const repo = path.join(import.meta.dirname, "../../..");

const copies: string[] = [];

/** A fresh copy of the repository; `removeCopies()` deletes every one made. */
export function copyOfRepo(): string {
  const copy = copyRepository(repo, "silo-gen-");
  copies.push(copy);
  return copy;
}

export function removeCopies(): void {
  for (const copy of copies.splice(0)) fs.rmSync(copy, { recursive: true, force: true });
}

export interface Run {
  readonly status: number | null;
  /** stdout and stderr, without colours. */
  readonly output: string;
}

/** Runs a command to its end. Asynchronous, so that several can run at once. */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { cwd: string },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...options,
      env: { ...process.env, NO_COLOR: "1", TURBO_TELEMETRY_DISABLED: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (status) =>
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
      resolve({ status, output: output.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "") }),
    );
  });
}

/**
 * `npm run gen -- <generator> --args ...args` in `copy`: @turbo/gen's own command, which exits 1
 * when the generator fails (`turbo gen` 2.11.9 exits 0 whatever happens).
 */
export function gen(
  copy: string,
  generator: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return run(path.join(copy, "node_modules/.bin/gen"), ["run", generator, "--args", ...args], {
    cwd: copy,
    env,
  });
}

/** `npx turbo gen <generator> --args ...args` in `copy`: what the README shows. */
export function turboGen(
  copy: string,
  generator: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return run(path.join(copy, "node_modules/.bin/turbo"), ["gen", generator, "--args", ...args], {
    cwd: copy,
    env,
  });
}

/**
 * Every folder and file of a tree (but node_modules and Turborepo's cache), files with a hash of
 * their content.
 */
export function treeState(root: string): Map<string, string> {
  const state = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === ".turbo") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        state.set(`${path.relative(root, full)}/`, "directory");
        walk(full);
      } else {
        const hash = crypto.createHash("sha1").update(fs.readFileSync(full)).digest("hex");
        state.set(path.relative(root, full), hash);
      }
    }
  };
  walk(root);
  return state;
}

/** The files that differ between two states: added, removed or changed. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}

/**
 * `npm run gen` of an answer set that must fail: exit 1, and the copy exactly as it was. Its
 * output, for the caller's checks of what it says.
 */
export async function genRefused(
  copy: string,
  generator: string,
  args: readonly string[],
): Promise<string> {
  const before = treeState(copy);
  const result = await gen(copy, generator, args);
  expect(result.status, result.output).toBe(1);
  expect(changedFiles(before, treeState(copy))).toEqual([]);
  return result.output;
}

/** Runs `body` while `file` holds what `change` makes of its text; then puts the file back. */
export async function withChangedFile<T>(
  file: string,
  change: (text: string) => string,
  body: () => Promise<T>,
): Promise<T> {
  const original = fs.readFileSync(file, "utf8");
  fs.writeFileSync(file, change(original));
  try {
    return await body();
  } finally {
    fs.writeFileSync(file, original);
  }
}
