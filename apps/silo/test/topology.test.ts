// No silo outlives what started it: a parent killed with SIGKILL (no handler of its own runs)
// leaves no silo behind holding its port and its database.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

const fixture = path.join(import.meta.dirname, "fixtures/start-topology.ts");
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
});

/**
 * Whether a process runs. An orphan that has exited may stay a zombie when nothing reaps it
 * (the silo's parent is gone, and a container's init may not reap): that counts as stopped.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) said it runs
  }
}

describe("a topology's silos", () => {
  it("stop cleanly when the process that started them is killed with SIGKILL", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", fixture], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: parent.stdout }).once("line", resolve);
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) first`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    leftovers.push(pid);
    expect(alive(pid)).toBe(true);

    parent.kill("SIGKILL");
    // The silo notices its stdin close, stops as on SIGTERM, and closes its database, which
    // releases the directory's lock file (the test's timeout bounds the wait).
    while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fs.existsSync(`${path.join(dir, "control")}.lock`)).toBe(false);
  });
});
