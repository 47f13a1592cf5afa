// Each silo as two replicas on its PostgreSQL database behind HAProxy (issue 14), under load: a
// rolling restart of eu's replicas fails no call and hangs none; a replica killed with SIGKILL is
// taken out by the health check, queries (and mutations declared idempotent) in flight on it are
// retried on the other replica, and other mutations in flight on it fail with BAD_GATEWAY and
// are never sent again by the client.
// PostgreSQL and HAProxy only (CI installs HAProxy; `apt-get install -y haproxy` here).
import { randomBytes } from "node:crypto";
import { demoData } from "@acme/db";
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { rpcPath, signRequest } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haproxyInstalled } from "../src/load-balancer.ts";
import { Topology } from "../src/topology.ts";

const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
const CREATE_PATH = "/api/0/internal/rpc/organization/createOrganization/";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const runs = testEngines.includes("postgres") && haproxyInstalled();

describe.skipIf(!runs)("replicas behind HAProxy", () => {
  const secret = randomBytes(24).toString("hex");
  const urls: string[] = [];
  /** HAProxy's request lines: `<silo>/<replica> <status> <method> <path>`. */
  const requests: string[] = [];
  let topology: Topology;
  const orgs: string[] = [];

  beforeAll(async () => {
    const databases: Record<string, string> = {};
    for (const name of ["control", "eu"]) {
      databases[name] = await createPostgresDatabase();
      urls.push(databases[name] as string);
    }
    topology = new Topology({
      regions: ["eu"],
      replicas: 2,
      // The build, as deployed (npm run test:scale builds it first).
      built: true,
      replayStore: REDIS_URL,
      databases: (name) => databases[name] as string,
      secret,
      onLine: (silo, line) => {
        if (silo === "haproxy") requests.push(line);
      },
    });
    await topology.start();
    // Each replica is the build run by node itself, no tsx loader.
    for (const name of topology.processesOf("eu"))
      expect(topology.silos.get(name)?.child.spawnargs.slice(1)).toEqual([
        "--import",
        expect.stringMatching(/exit-with-parent\.mjs$/),
        expect.stringMatching(/apps\/silo\/dist\/main\.js$/),
      ]);
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    for (let i = 0; i < 8; i++) {
      const org = await client.organization.createOrganization.mutate({
        regionName: "eu",
        slug: `replicas-${i}`,
        name: `Replicas ${i}`,
        ownerUserId: erin,
      });
      orgs.push(org.id);
    }
  }, 180_000);

  afterAll(async () => {
    await topology?.stop();
    for (const url of urls) await dropPostgresDatabase(url);
  });

  /** Calls from `callers` loops until `done` resolves: a query and a mutation in turn. */
  const load = (done: Promise<unknown>, callers = 6, mutation: "update" | "create" = "update") => {
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    const eu = { context: { region: "eu" } };
    const outcome = { queries: 0, mutations: 0, failed: [] as string[] };
    let over = false;
    void done.then(() => {
      over = true;
    });
    const loops = Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; !over; i++) {
        const organizationId = orgs[(c + i) % orgs.length] as string;
        try {
          if (i % 2 === 0) {
            await client.organization.getOrganizationById.query({ organizationId }, eu);
            outcome.queries++;
          } else {
            outcome.mutations++;
            if (mutation === "update") {
              // Declared idempotent: the client may send it again.
              await client.organization.updateOrganization.mutate(
                { organizationId, name: `Load ${c}-${i}` },
                eu,
              );
            } else {
              await client.organization.createOrganization.mutate({
                regionName: "eu",
                slug: `load-${randomBytes(6).toString("hex")}`,
                name: "Load",
                ownerUserId: erin,
              });
            }
          }
        } catch (error) {
          outcome.failed.push(
            `${i % 2 === 0 ? "query" : "mutation"} ${(error as { code?: string }).code}: ${(error as Error).message}`,
          );
        }
      }
    });
    return Promise.all(loops).then(() => outcome);
  };
  /** Resolves once HAProxy has sent a request to this replica since `from` (it is in). */
  const served = async (replica: string, from: number) => {
    while (!requests.slice(from).some((line) => line.startsWith(`eu/${replica} `))) {
      // A request of its own, in case no load is running.
      await fetch(`${topology.url("eu")}/healthz`).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("spreads calls over both replicas", async () => {
    const from = requests.length;
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    for (const organizationId of orgs) {
      await client.organization.getOrganizationById.query(
        { organizationId },
        { context: { region: "eu" } },
      );
    }
    await Promise.all([served("eu-1", from), served("eu-2", from)]);
  });

  it("refuses a request captured from the wire and replayed to the other replica", async () => {
    const path = rpcPath("organization", "getOrganizationById");
    const body = Buffer.from(JSON.stringify({ args: { organizationId: orgs[0] }, meta: {} }));
    const captured = signRequest(secret, path, body);
    const send = (replica: string) =>
      fetch(`${topology.url(replica)}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...captured },
        body,
      });
    expect((await send("eu#1")).status).toBe(200);
    const replayed = await send("eu#2");
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({
      error: { message: expect.stringContaining("replayed request") },
    });
  });

  it("a rolling restart of eu's replicas under load fails no call", async () => {
    let restarted: () => void = () => {};
    const running = load(new Promise((resolve) => (restarted = () => resolve(undefined))));
    for (const replica of ["eu#1", "eu#2"]) {
      await topology.stop(replica, "SIGTERM");
      const from = requests.length;
      await topology.startSilo(replica);
      // Back in the balancer before the next one goes.
      await served(replica.replace("#", "-"), from);
    }
    restarted();
    const outcome = await running;
    console.log(
      `rolling restart: ${outcome.queries} queries, ${outcome.mutations} mutations, ${outcome.failed.length} failed`,
    );
    expect(outcome.failed).toEqual([]);
    expect(outcome.mutations).toBeGreaterThan(0);
  }, 120_000);

  it("a replica killed with SIGKILL: queries go on, mutations in flight fail and are sent once", async () => {
    // Killed again (after a restart) until a mutation was in flight on it: up to 5 times.
    const failedMutations: string[] = [];
    let kills = 0;
    while (failedMutations.length === 0 && kills < 5) {
      kills++;
      const from = requests.length;
      let killed: () => void = () => {};
      // createOrganization: a mutation not declared idempotent, never sent twice by the client.
      const running = load(
        new Promise((resolve) => (killed = () => resolve(undefined))),
        12,
        "create",
      );
      // Once the load reaches eu#2, it dies.
      await served("eu-2", from);
      await topology.stop("eu#2", "SIGKILL");
      // Taken out: the next calls all go to eu#1.
      const after = requests.length;
      while (requests.slice(after).filter((line) => line.startsWith("eu/eu-1 ")).length < 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      killed();
      const outcome = await running;
      const failedQueries = outcome.failed.filter((f) => f.startsWith("query"));
      failedMutations.push(...outcome.failed.filter((f) => f.startsWith("mutation")));
      console.log(
        `kill -9 #${kills}: ${outcome.queries} queries (${failedQueries.length} failed), ${outcome.mutations} mutations (${failedMutations.length} failed)`,
      );
      expect(failedQueries).toEqual([]);
      // It may have run: the error says so, and the caller decides (with its idempotency key).
      for (const failure of failedMutations) {
        expect(failure).toMatch(/^mutation BAD_GATEWAY: .*may have run/);
      }
      // No mutation reached the balancer twice: none was sent again by the client. (A request
      // after the load, logged after every line of it by HAProxy's one thread, says its log has
      // been read.)
      const marker = `/after-the-load-${randomBytes(4).toString("hex")}`;
      await fetch(`${topology.url("eu")}${marker}`);
      while (!requests.some((line) => line.endsWith(` GET ${marker}`))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const sent = requests
        .slice(from)
        .filter((line) => line.endsWith(` POST ${CREATE_PATH}`)).length;
      // At most once each (a call whose connection closed before HAProxy read it is not logged),
      // and every call that succeeded was logged.
      const failed = outcome.failed.length;
      expect(sent).toBeLessThanOrEqual(outcome.mutations);
      expect(sent).toBeGreaterThanOrEqual(outcome.mutations - failed);
      const back = requests.length;
      await topology.startSilo("eu#2");
      await served("eu-2", back);
    }
    expect(
      failedMutations.length,
      "no mutation was in flight on the killed replica",
    ).toBeGreaterThan(0);
  }, 180_000);
});
