// Readiness after a restart under load, with real processes: a region silo killed and started
// again while a load process keeps 100 connections of callers retrying. /healthz must say 200
// as soon as the silo serves, not once it has worked through every queued connection.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { demoData } from "@acme/db";
import { rpc0Signature, rpcPath } from "@acme/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";
import { JOBS_PER_TURN } from "../src/turn-queue.ts";

const CONNECTIONS = 100;

/**
 * A load process: CONNECTIONS callers, each on its own keep-alive connection, calling an eu
 * method over and over (rpc0: one signature for every request, so the load costs little CPU),
 * retrying at once when refused.
 */
function startLoad(url: string, secret: string): ChildProcess {
  const rpc = rpcPath("organization", "getOrganizationById");
  const body = JSON.stringify({
    args: { organizationId: (demoData.organizations[1] as { id: string }).id },
    meta: {},
  });
  const signature = rpc0Signature(secret, rpc, Buffer.from(body));
  const script = `
    const http = require("node:http");
    const agent = new http.Agent({ keepAlive: true, maxSockets: ${CONNECTIONS} });
    let failing = true;
    const call = () => {
      const req = http.request(${JSON.stringify(`${url}${rpc}`)}, { method: "POST", agent, headers: {
        "content-type": "application/json", authorization: "Rpcsignature rpc0:${signature}" } },
        (res) => {
          // One line per recovery: the first call served after failures.
          if (failing && res.statusCode === 200) { failing = false; console.log("served"); }
          res.resume(); res.on("end", call);
        });
      req.on("error", () => { failing = true; setTimeout(call, 5); });
      req.end(${JSON.stringify(body)});
    };
    for (let i = 0; i < ${CONNECTIONS}; i++) call();
  `;
  return spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "ignore"] });
}

/** GET on one kept-alive connection: a /metrics after a /healthz reuses its accepted socket. */
function get(agent: http.Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("readiness after a restart", () => {
  const secret = randomBytes(24).toString("hex");
  let topology: Topology;
  let load: ChildProcess | undefined;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-readiness-"));
    topology = new Topology({
      regions: ["us", "eu"],
      // Free ports, kept for the restart (fixed ones collide with another run beside this one).
      ports: { control: await freePort(), us: await freePort(), eu: await freePort() },
      databases: (name) => path.join(dir, name),
      secret,
      env: { RPC_ACCEPT_RPC0: "true" },
    });
    await topology.startSilo("eu");
  });

  afterAll(async () => {
    load?.kill("SIGKILL");
    await topology?.stop();
  });

  it("/healthz answers 200 under load as soon as the silo serves, not after every queued connection", async () => {
    load = startLoad(topology.url("eu"), secret);
    const recoveries: number[] = [];
    readline
      .createInterface({ input: load.stdout as NodeJS.ReadableStream })
      .on("line", () => recoveries.push(performance.now()));
    // The load runs (eu serves it), then eu is killed: the callers retry into the void.
    const served = () =>
      get(new http.Agent(), `${topology.url("eu")}/metrics`).then((r) =>
        [...r.body.matchAll(/^rpc_server_requests_total\{[^}]*status="200"[^}]*\} (\d+)$/gm)]
          .map((m) => Number(m[1]))
          .reduce((a, b) => a + b, 0),
      );
    while ((await served()) < CONNECTIONS) await new Promise((resolve) => setTimeout(resolve, 50));
    await topology.stop("eu", "SIGKILL");

    const down = performance.now();
    await topology.startSilo("eu");
    // The callers are served again (their connections are queued, the first accepted): now a
    // new connection asks whether eu is ready, behind theirs.
    while (!recoveries.some((at) => at > down))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const health = await get(agent, `${topology.url("eu")}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok", region: "eu" });
    // On the same, already accepted connection: how many calls eu had served by then. Serving
    // every ready request in each turn, eu served thousands before it accepted /healthz's
    // connection (Node accepts one connection per turn); readiness must not wait for that.
    const metrics = await get(agent, `${topology.url("eu")}/metrics`);
    const servedBefore = [
      ...metrics.body.matchAll(/^rpc_server_requests_total\{[^}]*status="200"[^}]*\} (\d+)$/gm),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    agent.destroy();
    // With the queue, at most JOBS_PER_TURN calls per connection queued ahead of /healthz's;
    // twice that is the bound (thousands without the queue).
    expect(servedBefore).toBeLessThan(2 * JOBS_PER_TURN * CONNECTIONS);
  });
});
