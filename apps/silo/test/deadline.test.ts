// One time budget per call, with real processes: a region silo (the eu one) on loopback, and a
// control "silo" that accepts every request and never answers (a hung process), so each wait
// is ended by a budget alone. Margins are ratios of the budget, for a slow, busy machine.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db";
import { rpcPath, signRequest, siloConfig } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, Topology } from "../src/topology.ts";

/** The caller's budget; every silo's own timeout (RPC_TIMEOUT_MS) is 20 times longer. */
const BUDGET_MS = 1500;
const OWN_TIMEOUT_MS = 20 * BUDGET_MS;
/** Upper bound of a wait that the budget ends: far from OWN_TIMEOUT_MS, loose for a busy machine. */
const NOT_THE_OWN_TIMEOUT = OWN_TIMEOUT_MS / 2;

interface HungRequest {
  readonly path: string;
  readonly budget: string | undefined;
  readonly arrived: number;
  /** When the caller gave up on it (its connection closed). */
  closed?: number;
}

/** A control silo that accepts every request, reads it, and never answers. */
class HungControl {
  readonly requests: HungRequest[] = [];
  readonly #server = http.createServer((req, res) => {
    const request: HungRequest = {
      path: req.url ?? "",
      budget: req.headers["x-rpc-budget-ms"] as string | undefined,
      arrived: performance.now(),
    };
    this.requests.push(request);
    req.resume();
    res.once("close", () => {
      request.closed = performance.now();
    });
  });

  /** Listens on a free loopback port, and says which. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () =>
        resolve((this.#server.address() as AddressInfo).port),
      );
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Waits until `check` holds; the test's timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("one budget per call, across processes", () => {
  const secret = randomBytes(24).toString("hex");
  const control = new HungControl();
  let topology: Topology;

  beforeAll(async () => {
    // Free ports, so that another run of these tests beside this one cannot collide with it.
    const ports = { control: await control.listen(), us: await freePort(), eu: await freePort() };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-deadline-"));
    topology = new Topology({
      ports,
      databases: (name) => path.join(dir, name),
      secret,
      env: { RPC_TIMEOUT_MS: String(OWN_TIMEOUT_MS) },
    });
    // Only eu runs: control is the hung server above, and us is not needed.
    await topology.startSilo("eu");
  });

  afterAll(async () => {
    await topology?.stop();
    await control.close();
  });

  /** A client process that runs no service, with BUDGET_MS for the calls these tests make. */
  const client = () =>
    createAppRuntime({
      config: siloConfig({
        mode: "CONTROL",
        controlAddress: topology.url("control"),
        regions: topology.regionConfig,
        secrets: [secret],
        timeoutMs: OWN_TIMEOUT_MS,
        methodTimeouts: new Map([
          ["organization.getOrgBySlug", BUDGET_MS],
          ["organization.createOrganization", BUDGET_MS],
        ]),
      }),
    }).client;

  it("a call whose routing lookup hangs ends at its budget, not at the lookup's own timeout", async () => {
    const seen = control.requests.length;
    const started = performance.now();
    await expect(
      client().organization.getOrgBySlug.query({ slug: "globex" }),
    ).rejects.toMatchObject({
      code: "TIMEOUT",
      message: expect.stringContaining("organizationMapping.getBySlug on the control silo"),
    });
    const elapsed = performance.now() - started;
    // The lookup alone would wait OWN_TIMEOUT_MS (20 budgets).
    expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS * 0.9);
    expect(elapsed).toBeLessThan(NOT_THE_OWN_TIMEOUT);
    const [lookup] = control.requests.slice(seen);
    expect(lookup?.path).toBe(rpcPath("organizationMapping", "getBySlug"));
    // It was told the call's budget, and abandoned when that was spent.
    expect(Number(lookup?.budget)).toBeGreaterThan(0);
    expect(Number(lookup?.budget)).toBeLessThanOrEqual(BUDGET_MS);
    await until(() => lookup?.closed !== undefined);
  });

  it("the receiving silo stops its method at the caller's remaining budget: the calls it made in turn end there", async () => {
    const seen = control.requests.length;
    const started = performance.now();
    await expect(
      client().organization.createOrganization.mutate({
        regionName: "eu",
        slug: `deadline-${Date.now()}`,
        name: "Deadline",
        ownerUserId: (demoData.users[0] as { id: string }).id,
      }),
    ).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(performance.now() - started).toBeLessThan(NOT_THE_OWN_TIMEOUT);
    // eu's createOrganization asks control for the owner first (then it would reserve the
    // slug): the request carries what is left of the budget eu was given, not eu's own 20
    // budgets...
    await until(() => control.requests.length >= seen + 1);
    const nested = control.requests.slice(seen);
    expect(nested.map((r) => r.path)).toEqual([rpcPath("user", "getUser")]);
    for (const request of nested) {
      expect(Number(request.budget)).toBeGreaterThan(0);
      expect(Number(request.budget)).toBeLessThanOrEqual(BUDGET_MS);
    }
    // ...and eu abandons them when it is spent (without the budget: after OWN_TIMEOUT_MS).
    await until(() => nested.every((r) => r.closed !== undefined));
    for (const request of nested) {
      expect((request.closed ?? Infinity) - request.arrived).toBeLessThan(NOT_THE_OWN_TIMEOUT);
    }
    // eu counts them as given up: TIMEOUT when its own deadline fired first, CLIENT_CLOSED_REQUEST
    // when the caller, at the same budget, hung up first (both happen; which first is the
    // machine's). And it counts the request it served as 499, the caller having left.
    const timedOut =
      /rpc_client_calls_total\{[^}]*service="user",method="getUser",destination="control",outcome="(TIMEOUT|CLIENT_CLOSED_REQUEST)"[^}]*\} 1/;
    const served =
      /rpc_server_requests_total\{[^}]*service="organization",method="createOrganization",status="(408|499)"[^}]*\} 1/;
    let metrics = "";
    while (!(timedOut.test(metrics) && served.test(metrics))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await (await fetch(`${topology.url("eu")}/metrics`)).text();
    }
  });

  it("a receiver answers 408 at the budget of a signed request", async () => {
    // Straight to eu, with a budget of its own: eu's method waits on control until it is spent.
    const body = Buffer.from(
      JSON.stringify({
        args: {
          regionName: "eu",
          slug: `deadline-408-${Date.now()}`,
          name: "Deadline",
          ownerUserId: (demoData.users[0] as { id: string }).id,
        },
        meta: {},
      }),
    );
    const rpc = rpcPath("organization", "createOrganization");
    const started = performance.now();
    const response = await fetch(`${topology.url("eu")}${rpc}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...signRequest(secret, rpc, body, { budgetMs: BUDGET_MS }),
      },
      body,
    });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(408);
    expect((await response.json()) as unknown).toMatchObject({ error: { code: "TIMEOUT" } });
    expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS * 0.9);
    expect(elapsed).toBeLessThan(NOT_THE_OWN_TIMEOUT);
  });
});
