// `npm run demo` as the README runs it: with no topology on its port it starts one of its own,
// creates an organization in eu, reads it back through control's mapping (again from the cache)
// and reads a user from control; it fails when a read does not give what it should.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { expect, it } from "vitest";
import { freePort } from "../src/topology.ts";

it("npm run demo creates an organization in eu and reads it back, on a topology of its own", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("src", "demo.ts")], {
    cwd: path.join(import.meta.dirname, ".."),
    // A free port: the demo finds no topology there and starts its own.
    env: { ...process.env, MULTI_BASE_PORT: String(await freePort()) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr])
    stream.on("data", (chunk) => (output += chunk));
  const [code] = await once(child, "exit");
  expect(output).toContain("(the same organization)");
  expect(output).toContain("Alice Adams <alice@example.com>");
  expect(code, output).toBe(0);
}, 120_000);
