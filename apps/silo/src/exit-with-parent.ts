// Loaded with `node --import` into each silo that Topology starts: when the process that started
// it goes away, even killed with SIGKILL, the write end of the silo's stdin closes, and the silo
// stops as it does on SIGTERM (in-flight calls finish, the database closes). So no silo outlives
// `npm run dev:multi`, a test run or a benchmark, holding its port and its database.
import fs from "node:fs";

function parentGone(): void {
  // Nobody reads this process's output any more: a write to it fails with EPIPE, and the logger
  // retries a failed write for ever when the process exits. Point stdout and stderr at /dev/null
  // (open() returns the lowest free descriptor: the one just closed), then stop.
  for (const fd of [1, 2]) {
    try {
      fs.closeSync(fd);
      fs.openSync("/dev/null", "w");
    } catch {
      // Already closed: nothing will be written there.
    }
  }
  process.kill(process.pid, "SIGTERM");
}

process.stdin.once("end", parentGone);
process.stdin.once("error", parentGone);
process.stdin.resume();
