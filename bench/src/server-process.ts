// The benchmark's servers (server.ts) as a deployment runs the silo: bundled to JavaScript the
// way `npm run build` bundles an app (bench/dist/main.js), each started with node alone. Under
// tsx its loader would add work to every request (a keepNames call per closure made) that no
// deployment pays.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { buildSiloApp } from "@acme/build";
import { procCpuUs, procMemoryMb } from "./silo-process.ts";

export const SERVER = path.join(import.meta.dirname, "../dist/main.js");

export const buildBenchServer = () =>
  buildSiloApp({ appDir: path.join(import.meta.dirname, ".."), entry: "src/server.ts" });

export interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  peakRssMb(): number;
  /** CPU time the server process has used so far (user + system), in µs. */
  cpuUs(): number;
  stop(): Promise<void>;
}

/** Starts one kind of server.ts (its arguments after the kind) and waits for its port. */
export async function startServer(kind: string, ...args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, kind, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline
      .createInterface({ input: child.stdout as NodeJS.ReadableStream })
      .once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    cpuUs: () => procCpuUs(child.pid as number),
    peakRssMb: () => procMemoryMb(child.pid as number, "VmHWM"),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
