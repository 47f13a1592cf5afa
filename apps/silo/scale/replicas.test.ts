// Each silo as two replicas of the build on its PostgreSQL database behind HAProxy (issue 14),
// under load: a request replayed to the other replica is refused; a rolling restart of a silo's
// replicas fails no call and hangs none; a replica killed with SIGKILL is taken out by the health
// check, and queries and mutations declared idempotent in flight on it are retried on the other
// replica. Control's replicas are loaded with organizationMapping calls (every project has them).
// demo:start
// The demo's eu replicas also with createOrganization, a mutation not declared idempotent: one in
// flight on a killed replica fails with BAD_GATEWAY and is never sent again by the client.
// demo:end
// PostgreSQL and HAProxy only (CI installs HAProxy; `apt-get install -y haproxy` here).
import { randomBytes, randomUUID } from "node:crypto";
import { demoData } from "@acme/db"; // demo:line
import { createPostgresDatabase, dropPostgresDatabase, testEngines } from "@acme/db/testing";
import { rpcPath, signRequest } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haproxyInstalled } from "../src/load-balancer.ts";
import { Topology } from "../src/topology.ts";

const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string; // demo:line
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const runs = testEngines.includes("postgres") && haproxyInstalled();

type Client = ReturnType<typeof createAppRuntime>["client"];
/** One call of a caller's loop: what kind it is, and the call. */
type Call = (client: Client, caller: number, i: number) => ["query" | "mutation", Promise<unknown>];

describe.skipIf(!runs)("replicas behind HAProxy", () => {
  const secret = randomBytes(24).toString("hex");
  const urls: string[] = [];
  /** HAProxy's request lines: `<silo>/<replica> <status> <method> <path>`. */
  const requests: string[] = [];
  let topology: Topology;
  /** Organizations mapped in control (the calls on control's replicas read and update them). */
  const mapped: string[] = [];

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
    for (const name of [...topology.processesOf("control"), ...topology.processesOf("eu")])
      expect(topology.silos.get(name)?.child.spawnargs.slice(1)).toEqual([
        "--import",
        expect.stringMatching(/exit-with-parent\.mjs$/),
        expect.stringMatching(/apps\/silo\/dist\/main\.js$/),
      ]);
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    for (let i = 0; i < 8; i++) {
      const mapping = await client.organizationMapping.upsert.mutate({
        organizationId: randomUUID(),
        slug: `replicas-mapped-${i}`,
        name: `Mapped ${i}`,
        regionName: "eu",
      });
      mapped.push(mapping.organizationId);
    }
    // demo:start
    for (let i = 0; i < 8; i++) {
      const org = await client.organization.createOrganization.mutate({
        regionName: "eu",
        slug: `replicas-${i}`,
        name: `Replicas ${i}`,
        ownerUserId: erin,
      });
      orgs.push(org.id);
    }
    // demo:end
  }, 180_000);

  afterAll(async () => {
    await topology?.stop();
    for (const url of urls) await dropPostgresDatabase(url);
  });

  /** Runs `callers` loops of `call` until `done` resolves; counts the calls and their failures. */
  const load = (done: Promise<unknown>, callers: number, call: Call) => {
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    const outcome = { queries: 0, mutations: 0, failed: [] as string[] };
    let over = false;
    void done.then(() => {
      over = true;
    });
    const loops = Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; !over; i++) {
        const [kind, running] = call(client, c, i);
        if (kind === "query") outcome.queries++;
        else outcome.mutations++;
        try {
          await running;
        } catch (error) {
          outcome.failed.push(
            `${kind} ${(error as { code?: string }).code}: ${(error as Error).message}`,
          );
        }
      }
    });
    return Promise.all(loops).then(() => outcome);
  };
  /** Control's load: a query and a mutation declared idempotent (organizationMapping.upsert). */
  const controlCalls: Call = (client, c, i) => {
    const organizationId = mapped[(c + i) % mapped.length] as string;
    if (i % 2 === 0) return ["query", client.organizationMapping.getById.query({ organizationId })];
    const index = mapped.indexOf(organizationId);
    return [
      "mutation",
      client.organizationMapping.upsert.mutate({
        organizationId,
        slug: `replicas-mapped-${index}`,
        name: `Load ${c}-${i}`,
        regionName: "eu",
      }),
    ];
  };
  /** A promise, and the function that resolves it. */
  const signal = () => {
    let resolve: () => void = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    return { done, resolve };
  };
  /** Resolves once HAProxy has sent a request to this replica (`eu-2`) since `from` (it is in). */
  const served = async (replica: string, from: number) => {
    const silo = replica.split("-")[0] as string;
    while (!requests.slice(from).some((line) => line.startsWith(`${silo}/${replica} `))) {
      // A request of its own, in case no load is running.
      await fetch(`${topology.url(silo)}/healthz`).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** Stops each replica of `silo` with SIGTERM and starts it again, one at a time. */
  const rollingRestart = async (silo: string) => {
    for (const replica of topology.processesOf(silo)) {
      await topology.stop(replica, "SIGTERM");
      const from = requests.length;
      await topology.startSilo(replica);
      // Back in the balancer before the next one goes.
      await served(replica.replace("#", "-"), from);
    }
  };
  /** Kills `replica` with SIGKILL once the load reaches it; resolves once the balancer took it out. */
  const killUnderLoad = async (replica: string) => {
    const [silo, n] = replica.split("#") as [string, string];
    const survivor = `${silo}-${n === "1" ? "2" : "1"}`;
    await served(replica.replace("#", "-"), requests.length);
    await topology.stop(replica, "SIGKILL");
    // Taken out: the next calls all go to the other replica.
    const after = requests.length;
    while (
      requests.slice(after).filter((line) => line.startsWith(`${silo}/${survivor} `)).length < 20
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("spreads calls over both replicas", async () => {
    const from = requests.length;
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    for (const organizationId of mapped)
      await client.organizationMapping.getById.query({ organizationId });
    await Promise.all([served("control-1", from), served("control-2", from)]);
  });

  it("refuses a request captured from the wire and replayed to the other replica", async () => {
    const path = rpcPath("organizationMapping", "getById");
    const body = Buffer.from(JSON.stringify({ args: { organizationId: mapped[0] }, meta: {} }));
    const captured = signRequest(secret, path, body);
    const send = (replica: string) =>
      fetch(`${topology.url(replica)}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...captured },
        body,
      });
    expect((await send("control#1")).status).toBe(200);
    const replayed = await send("control#2");
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({
      error: { message: expect.stringContaining("replayed request") },
    });
  });

  /** Restarts `silo`'s replicas one at a time while 6 callers load it: no call may fail. */
  const rollingRestartUnderLoad = async (silo: string, calls: Call) => {
    const restarted = signal();
    const running = load(restarted.done, 6, calls);
    await rollingRestart(silo);
    restarted.resolve();
    const outcome = await running;
    console.log(
      `rolling restart of ${silo}: ${outcome.queries} queries, ${outcome.mutations} mutations, ${outcome.failed.length} failed`,
    );
    expect(outcome.failed).toEqual([]);
    expect(outcome.mutations).toBeGreaterThan(0);
  };

  it("a rolling restart of control's replicas under load fails no call", async () => {
    await rollingRestartUnderLoad("control", controlCalls);
  }, 120_000);

  it("a control replica killed with SIGKILL: queries and idempotent mutations in flight are retried", async () => {
    // Killed again (after a restart) until a call was in flight on it: up to 5 times. HAProxy
    // logs such a call as the replica's 502; the client then sent it again, to the survivor.
    let cut = 0;
    for (let kills = 1; cut === 0 && kills <= 5; kills++) {
      const from = requests.length;
      const killed = signal();
      const running = load(killed.done, 12, controlCalls);
      await killUnderLoad("control#2");
      killed.resolve();
      const outcome = await running;
      cut = requests.slice(from).filter((line) => line.startsWith("control/control-2 502 ")).length;
      console.log(
        `kill -9 of control#2 #${kills}: ${outcome.queries} queries, ${outcome.mutations} idempotent mutations, ${cut} cut off on it, ${outcome.failed.length} failed`,
      );
      expect(outcome.failed).toEqual([]);
      expect(outcome.mutations).toBeGreaterThan(0);
      const back = requests.length;
      await topology.startSilo("control#2");
      await served("control-2", back);
    }
    expect(cut, "no call was in flight on the killed replica").toBeGreaterThan(0);
  }, 180_000);

  // demo:start
  const orgs: string[] = [];
  const CREATE_PATH = rpcPath("organization", "createOrganization");
  const eu = { context: { region: "eu" } };
  /** eu's load: a query and updateOrganization (declared idempotent), or createOrganization (not). */
  const euCalls =
    (mutation: "update" | "create"): Call =>
    (client, c, i) => {
      const organizationId = orgs[(c + i) % orgs.length] as string;
      if (i % 2 === 0)
        return ["query", client.organization.getOrganizationById.query({ organizationId }, eu)];
      if (mutation === "update")
        return [
          "mutation",
          client.organization.updateOrganization.mutate(
            { organizationId, name: `Load ${c}-${i}` },
            eu,
          ),
        ];
      return [
        "mutation",
        client.organization.createOrganization.mutate({
          regionName: "eu",
          slug: `load-${randomBytes(6).toString("hex")}`,
          name: "Load",
          ownerUserId: erin,
        }),
      ];
    };

  it("a rolling restart of eu's replicas under load fails no call", async () => {
    await rollingRestartUnderLoad("eu", euCalls("update"));
  }, 120_000);

  it("an eu replica killed with SIGKILL: queries go on, other mutations in flight fail and are sent once", async () => {
    // Killed again (after a restart) until a mutation was in flight on it: up to 5 times.
    const failedMutations: string[] = [];
    let kills = 0;
    while (failedMutations.length === 0 && kills < 5) {
      kills++;
      const from = requests.length;
      const killed = signal();
      // createOrganization: a mutation not declared idempotent, never sent twice by the client.
      const running = load(killed.done, 12, euCalls("create"));
      await killUnderLoad("eu#2");
      killed.resolve();
      const outcome = await running;
      const failedQueries = outcome.failed.filter((f) => f.startsWith("query"));
      failedMutations.push(...outcome.failed.filter((f) => f.startsWith("mutation")));
      console.log(
        `kill -9 of eu#2 #${kills}: ${outcome.queries} queries (${failedQueries.length} failed), ${outcome.mutations} mutations (${failedMutations.length} failed)`,
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
  // demo:end
});
