// Loaded with `node --import` into each silo that Topology starts: when the process that started
// it goes away, even killed with SIGKILL, the write end of the silo's stdin closes, and the silo
// stops as it does on SIGTERM (in-flight calls finish, the database closes). So no silo outlives
// `npm run dev:multi`, a test run or a benchmark, holding its port and its database.
process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"));
process.stdin.on("error", () => process.kill(process.pid, "SIGTERM"));
process.stdin.resume();
