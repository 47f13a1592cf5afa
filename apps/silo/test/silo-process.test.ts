// `npm run dev`'s process, run for real: it migrates and seeds its database, says it is ready,
// closes the database on SIGTERM, and finds the same data when started again.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@acme/db";
import { contracts } from "@acme/services";
import { afterEach, describe, expect, it } from "vitest";

const main = path.join(import.meta.dirname, "../src/main.ts");
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

function run(env: Record<string, string>) {
  env = { PORT: "0", ...env };
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", () => {
      if (output.includes('"msg":"sample call"')) resolve(output);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
  });
  // Not every test waits for "ready"; a start that fails is then seen through `exited`.
  ready.catch(() => {});
  return { child, ready, exited, output: () => output };
}

describe("the silo process (npm run dev:silo)", () => {
  it("migrates and seeds, stops cleanly on SIGTERM, and keeps its data for the next start", async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "silo-dev-")), "db");

    const first = run({ DATABASE_URL: dataDir });
    const banner = await first.ready;
    const logs = banner
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ready = logs.find((log) => log.msg === "silo ready");
    expect(ready).toMatchObject({
      mode: "MONOLITH",
      database: `PGlite ${dataDir}`,
      // Every service, including any added since (turbo gen rpc-service): a MONOLITH runs them all.
      localServices: contracts.map((contract) => contract.key),
      regions: ["us", "eu"],
    });
    expect(logs.find((log) => log.msg === "sample call")).toMatchObject({
      result: "Acme Corp (us)",
    });
    const health = await (await fetch(`${ready?.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", mode: "MONOLITH", database: { ok: true } });
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped: database closed"');
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);

    // What the first run wrote is on disk: read it from this process, then start the silo again.
    const db = await createDb(dataDir, { migrate: false });
    expect(await db.organizationMapping.count()).toBe(4);
    await db.organizationMapping.create({
      data: {
        organizationId: "01940000-0000-7000-8000-999900000001",
        slug: "added-between-runs",
        name: "Added",
        regionName: "eu",
      },
    });
    await db.$disconnect();

    const second = run({ DATABASE_URL: dataDir });
    await second.ready;
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
    const reopened = await createDb(dataDir);
    // The seed added nothing twice, and the row added between the runs is still there.
    expect(await reopened.organizationMapping.count()).toBe(5);
    await reopened.$disconnect();
  });

  it("refuses a bad setting with an error naming the variable", async () => {
    const bad = run({ DATABASE_URL: "memory://", SEED_DEMO_DATA: "yes" });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('SEED_DEMO_DATA: must be "true" or "false"');

    const region = run({ DATABASE_URL: "memory://", SILO_MODE: "REGION" });
    expect(await region.exited).toBe(1);
    expect(region.output()).toContain("REGION_NAME: is required when SILO_MODE is REGION");
    expect(region.output()).toContain("RPC_SHARED_SECRET: is required when SILO_MODE is REGION");
  });
});
