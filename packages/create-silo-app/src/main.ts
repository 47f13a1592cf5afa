// Entry point of the `create-silo-app` command (bin/create-silo-app.js loads it through tsx).
import { run } from "./cli.ts";

process.exitCode = await run(process.argv.slice(2));
