// Real processes on a real PGlite directory: what happens across stops, restarts and collisions.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

const fixture = path.join(import.meta.dirname, "fixtures/hold-db.ts");

interface Report {
  ready: boolean;
  slugs?: string[];
  error?: string;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

function start(dataDir: string, slug?: string): Promise<{ child: ChildProcess; report: Report }> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a child process of its own,
  // and the signals must reach the process that holds the database.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fixture, dataDir, ...(slug ? [slug] : [])],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once("line", (line) => resolve({ child, report: JSON.parse(line) as Report }));
    child.once("exit", (code) => reject(new Error(`fixture exited with ${code} before reporting`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    });
    child.kill(signal);
  });
}

function tempDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "silo-db-")), "data");
}

describe("an embedded PGlite directory", () => {
  it("keeps its data across a stop (SIGTERM or SIGINT) and a restart of the process", async () => {
    const dataDir = tempDir();

    const first = await start(dataDir, "first");
    expect(first.report).toEqual({ ready: true, slugs: ["first"] });
    expect(await stop(first.child, "SIGTERM")).toBe(0);
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);

    const second = await start(dataDir, "second");
    expect(second.report.slugs).toEqual(["first", "second"]);
    expect(await stop(second.child, "SIGINT")).toBe(0);

    const third = await start(dataDir);
    expect(third.report.slugs).toEqual(["first", "second"]);
    expect(await stop(third.child, "SIGTERM")).toBe(0);
  });

  it("cannot be opened by a second process while the first holds it", async () => {
    const dataDir = tempDir();
    const holder = await start(dataDir);

    const intruder = await start(dataDir).then(
      (started) => started.report,
      (error: Error) => ({ ready: false, error: error.message }),
    );

    expect(intruder.ready).toBe(false);
    expect(intruder.error).toContain(
      `The embedded database ${dataDir} is already open in process ${holder.child.pid}`,
    );
    // The holder is unharmed and still closes cleanly.
    expect(await stop(holder.child, "SIGTERM")).toBe(0);
  });

  it("is taken over when its lock was left by a process that no longer runs", async () => {
    const dataDir = tempDir();
    const crashed = await start(dataDir, "before-crash");
    expect(await stop(crashed.child, "SIGKILL")).toBe(null);
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(true);

    const next = await start(dataDir);

    expect(next.report).toEqual({ ready: true, slugs: ["before-crash"] });
    expect(await stop(next.child, "SIGTERM")).toBe(0);
  });
});
