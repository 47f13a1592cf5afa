import fs from "node:fs";
import os from "node:os";

/**
 * An embedded PGlite database is a directory that exactly one process may open at a time:
 * two processes writing the same files corrupt them. The lock is a file beside the directory
 * (`<dataDir>.lock`) holding the owner's pid. A lock whose process no longer runs is stale and
 * is taken over.
 */
export class DatabaseInUseError extends Error {
  override readonly name = "DatabaseInUseError";
}

interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

export interface DirectoryLock {
  readonly path: string;
  release(): void;
}

export function lockDataDir(dataDir: string): DirectoryLock {
  const lockPath = `${dataDir}.lock`;
  const me: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify(me), { flag: "wx" });
      return { path: lockPath, release: () => releaseIfOurs(lockPath) };
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
    }
    const owner = readOwner(lockPath);
    if (owner !== null && isAlive(owner)) {
      const who =
        owner.pid === process.pid ? "this process" : `process ${owner.pid} (since ${owner.since})`;
      throw new DatabaseInUseError(
        `The embedded database ${dataDir} is already open in ${who}. ` +
          "Only one process may open a PGlite directory at a time: stop the other process, " +
          "or give this one its own directory.",
      );
    }
    // Stale (its process is gone) or unreadable: take it over, once.
    fs.rmSync(lockPath, { force: true });
  }
  throw new DatabaseInUseError(`Could not lock the embedded database ${dataDir} (${lockPath}).`);
}

function releaseIfOurs(lockPath: string): void {
  const owner = readOwner(lockPath);
  if (owner?.pid === process.pid) fs.rmSync(lockPath, { force: true });
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "pid" in parsed &&
      typeof parsed.pid === "number"
    ) {
      return parsed as LockOwner;
    }
  } catch {
    // Missing or half-written: treated as stale.
  }
  return null;
}

function isAlive(owner: LockOwner): boolean {
  // A lock written on another host (a shared volume) cannot be checked: assume it is held.
  if (owner.hostname !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, "ESRCH");
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
