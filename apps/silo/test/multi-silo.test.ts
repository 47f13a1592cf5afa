// A control silo and two region silos as real processes on loopback ports, each on its own
// database (PGlite directories; PostgreSQL databases too when TEST_DATABASE_URL is set), called
// over real sockets by a client process (this one) that runs no service itself.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db"; // demo:line
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { type CallEvent, rpcPath, signRequest } from "@acme/rpc";
import { rpcSchema } from "@acme/services";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Topology } from "../src/topology.ts";

// demo:start
const org = (slug: string) => demoData.organizations.find((o) => o.slug === slug) as { id: string };
const alice = demoData.users[0] as { id: string };
// demo:end

describe.each(testEngines)("multi-silo topology [%s]", (engine) => {
  const secret = randomBytes(24).toString("hex");
  const lines: { silo: string; line: string }[] = [];
  const urls: string[] = [];
  let topology: Topology;
  let started = false;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-multi-"));
    const databases: Record<string, string> = {};
    for (const name of ["control", "us", "eu"]) {
      databases[name] =
        engine === "postgres" ? await createPostgresDatabase() : path.join(dir, name);
      if (engine === "postgres") urls.push(databases[name] as string);
    }
    // Kept before it starts: if this hook times out, afterAll still stops the starting silos.
    topology = new Topology({
      databases: (name) => databases[name] as string,
      secret,
      logLevel: "debug",
      onLine: (silo, line) => lines.push({ silo, line }),
    });
    await topology.start();
    started = true;
  });

  afterAll(async () => {
    await topology?.stop();
    for (const url of urls) await dropPostgresDatabase(url);
    // Each silo stopped cleanly (only worth saying when they all started).
    if (started) for (const silo of topology.silos.values()) expect(silo.child.exitCode).toBe(0);
  });

  /** Waits until a silo has logged a line matching `pattern` (the test's timeout bounds it). */
  const logged = async (silo: string, pattern: string, after = 0) => {
    while (!lines.slice(after).some((l) => l.silo === silo && l.line.includes(pattern)))
      await new Promise((resolve) => setTimeout(resolve, 20));
  };

  const client = (secrets?: string[]) => {
    const events: CallEvent[] = [];
    const app = createAppRuntime({
      config: topology.clientConfig(secrets ? { secrets } : {}),
      onCall: (event) => events.push(event),
    });
    return { ...app, events };
  };

  // demo:start
  it("routes by slug and by id to the region that holds the organization", async () => {
    const { client: c, events } = client();
    expect(await c.organization.getOrgBySlug.query({ slug: "globex" })).toMatchObject({
      slug: "globex",
    });
    expect(
      await c.organization.getOrganizationById.query({ organizationId: org("acme").id }),
    ).toMatchObject({
      slug: "acme",
    });
    expect(events.map((e) => [e.path, e.route.kind, e.route.region])).toEqual([
      ["organizationMapping.getBySlug", "remote", undefined],
      ["organization.getOrgBySlug", "remote", "eu"],
      ["organizationMapping.getById", "remote", undefined],
      ["organization.getOrganizationById", "remote", "us"],
    ]);
  });

  it("a region calls the control silo: an organization created in eu is resolvable from control", async () => {
    const { client: c } = client();
    const slug = `multi-${engine}-${Date.now()}`;

    const created = await c.organization.createOrganization.mutate({
      regionName: "eu",
      slug,
      name: "Multi",
      ownerUserId: alice.id,
    });

    // Control records the mapping when eu's outbox delivers it, right after eu's commit.
    await expect
      .poll(() => c.organizationMapping.getBySlug.query({ slug }), { timeout: 30_000 })
      .toMatchObject({ organizationId: created.id, regionName: "eu" });
    expect(await c.organization.getOrgBySlug.query({ slug })).toEqual(created);
  });

  it("follows one action across silos with the W3C traceparent", async () => {
    const traceId = randomBytes(16).toString("hex");
    const slug = `traced-${engine}-${Date.now()}`;
    const body = Buffer.from(
      JSON.stringify({
        args: { regionName: "eu", slug, name: "Traced", ownerUserId: alice.id },
        meta: {},
      }),
    );
    const rpc = rpcPath("organization", "createOrganization");
    const response = await fetch(`${topology.url("eu")}${rpc}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
        ...signRequest(secret, rpc, body),
      },
      body,
    });
    expect(response.status).toBe(200);
    // The eu silo's calls to control (the owner, then the slug's reservation) carry the same
    // trace; so does the delivery of its outbox message when the drain right after the commit
    // makes it (a sweep that got there first delivers it in no request's trace).
    const controlRequests = () =>
      lines
        .filter((l) => l.silo === "control" && l.line.includes(traceId))
        .map((l) => (JSON.parse(l.line) as { path: string }).path);
    const calls = () =>
      controlRequests().filter((path) => path !== "/api/0/internal/rpc/controlInbox/deliver/");
    await expect.poll(() => calls().length, { timeout: 30_000 }).toBe(2);
    expect(calls()).toEqual([
      "/api/0/internal/rpc/user/getUser/",
      "/api/0/internal/rpc/organizationMapping/reserveSlug/",
    ]);
  });

  it("a stopped region fails fast, naming it, while the other works; after a restart it works again", async () => {
    const { client: c } = client();
    await topology.stop("eu");
    // Fails fast: refused at once (a wait for the call's timeout would be a TIMEOUT error).
    await expect(c.organization.getOrgBySlug.query({ slug: "globex" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringMatching(/on the region "eu" silo .*connection refused/),
    });
    expect(await c.organization.getOrgBySlug.query({ slug: "acme" })).toMatchObject({
      slug: "acme",
    });

    await topology.startSilo("eu");
    expect(await c.organization.getOrgBySlug.query({ slug: "globex" })).toMatchObject({
      slug: "globex",
    });
  });
  // demo:end

  it("a wrong secret is rejected with 401 and the caller sees UNAUTHORIZED", async () => {
    const { client: c } = client(["not-the-secret"]);
    await expect(c.organizationMapping.getBySlug.query({ slug: "acme" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Invalid RPC signature: signature does not match.",
    });
  });

  it("serves /healthz, /metrics and /openapi.json", async () => {
    expect(await (await fetch(`${topology.url("us")}/openapi.json`)).json()).toEqual(
      JSON.parse(JSON.stringify(rpcSchema())),
    );
    const health = await (await fetch(`${topology.url("eu")}/healthz`)).json();
    expect(health).toMatchObject({
      status: "ok",
      mode: "REGION",
      region: "eu",
      database: { ok: true },
    });
    await client().client.organizationMapping.getBySlug.query({ slug: "acme" });
    const metrics = await (await fetch(`${topology.url("control")}/metrics`)).text();
    expect(metrics).toMatch(
      /rpc_server_requests_total\{[^}]*service="organizationMapping",method="getBySlug",status="200"[^}]*\} \d+/,
    );
    expect(metrics).toContain("http_requests_in_flight");
  });

  it("SIGTERM during a call lets the call finish, then the silo exits cleanly", async () => {
    const rpc = rpcPath("organizationMapping", "getBySlug");
    const body = Buffer.from(JSON.stringify({ args: { slug: "acme" }, meta: {} }));
    const headers = {
      "content-type": "application/json",
      "content-length": String(body.length),
      ...signRequest(secret, rpc, body),
    };
    // The call is in flight at control when it receives SIGTERM: headers and part of the body
    // first, the rest after the signal.
    const target = new URL(topology.url("control"));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        { host: target.hostname, port: target.port, path: rpc, method: "POST", headers },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on("error", reject);
      request.write(body.subarray(0, 10));
      // Signal only once control counts the call as in flight (the metrics request itself is
      // the other one), however slow the machine: before that it would be an idle connection.
      void (async () => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const text = await (await fetch(`${topology.url("control")}/metrics`)).text();
          const gauge = Number(
            /^http_requests_in_flight(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0,
          );
          if (gauge >= 2) break;
          if (Date.now() > deadline) throw new Error("the call never showed as in flight");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const seen = lines.length;
        topology.silos.get("control")?.child.kill("SIGTERM");
        // The rest of the body after the signal, once the silo says it is draining.
        await logged("control", "stopping: finishing in-flight requests", seen);
        request.end(body.subarray(10));
      })().catch(reject);
    });
    const { status, body: text } = await response;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ value: { slug: "acme", regionName: "us" } });
    expect(await topology.silos.get("control")?.exited).toBe(0);
    await topology.startSilo("control");
  });
});
