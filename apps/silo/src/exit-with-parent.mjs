// Loaded with `node --import` into each silo that Topology starts: when the process that started
// it goes away, even killed with SIGKILL, the write end of the silo's stdin closes, and the silo
// stops as it does on SIGTERM (in-flight calls finish, the database closes). So no silo outlives
// `npm run dev:multi`, a test run or a benchmark, holding its port and its database.
// Plain JavaScript: it is loaded into the built silo (`built: true`) as into the source one.
import fs from "node:fs";

/**
 * Nobody reads this process's output any more: a write to it fails with EPIPE, and the logger
 * retries a failed write for ever when the process exits (sonic-boom's flushSync sleeps and
 * retries every error it does not rethrow). Points stdout and stderr at /dev/null (open()
 * returns the lowest free descriptor: the one just closed).
 */
function silenceOutput() {
  for (const fd of [1, 2]) {
    try {
      fs.closeSync(fd);
      fs.openSync("/dev/null", "w");
    } catch {
      // Already closed: nothing will be written there.
    }
  }
}

function parentGone() {
  silenceOutput();
  process.kill(process.pid, "SIGTERM");
}

// The parent can also go while the silo is already stopping: it sent SIGTERM, then died before
// the silo exited. The logger's last flush at exit then loops on EPIPE before the event loop
// ever sees stdin end (seen: a silo that had closed its port stayed alive for 20 minutes).
// Registered first (this module is loaded before the silo with --import), this runs before the
// logger's own exit hook: a new parent process id says the parent is gone.
const parent = process.ppid;
process.on("exit", () => {
  if (process.ppid !== parent) silenceOutput();
});

process.stdin.once("end", parentGone);
process.stdin.once("error", parentGone);
process.stdin.resume();
