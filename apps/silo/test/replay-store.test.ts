// Replicas of one silo, as real processes, sharing their replay store in Redis: a request
// captured from the wire and replayed to the other replica is refused. A replica whose store
// cannot be reached refuses signed requests (503), says so in /healthz, and logs it once.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describeRedisUrl, rpcPath, signRequest } from "@acme/rpc";
import { freePort, healthz } from "@acme/rpc/probes";
import { createClient } from "@redis/client";
import { afterAll, describe, expect, it } from "vitest";

const REDIS_URL = process.env.TEST_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const SECRET = "replay-replicas-test-secret";
const PREFIX = `test:replay:silo:${process.pid}:${randomBytes(4).toString("hex")}:`;
const main = path.join(import.meta.dirname, "../src/main.ts");

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A MONOLITH silo on an in-memory database that accepts signed requests; resolves once its
 * /healthz answers (200, or 503 for a silo whose replay store is unreachable).
 */
async function silo(env: Record<string, string>): Promise<{ url: string; logs: () => string }> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: {
      ...process.env,
      PORT: new URL(url).port,
      HOST: "127.0.0.1",
      DATABASE_URL: "memory://",
      RPC_SHARED_SECRET: SECRET,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
  while ((await healthz(url))?.body.mode !== "MONOLITH") {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url, logs: () => output };
}

// No reconnection: without a Redis, connect() rejects at once instead of retrying for ever.
const redis = createClient({
  url: REDIS_URL,
  socket: { reconnectStrategy: false, connectTimeout: 1000 },
});
redis.on("error", () => {});
const redisUp = await redis.connect().then(
  () => true,
  () => false,
);
if (!redisUp) {
  console.warn(
    `SKIPPED: no Redis answers at ${REDIS_URL} (set TEST_REDIS_URL): replicas untested.`,
  );
}
afterAll(async () => {
  if (!redisUp) return;
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 }))
    keys.push(...batch);
  if (keys.length > 0) await redis.del(keys);
  await redis.close();
});

const rpc = rpcPath("organizationMapping", "getBySlug");
const body = JSON.stringify({ args: { slug: "acme" }, meta: {} });
const call = async (url: string, headers: Record<string, string>) => {
  const response = await fetch(`${url}${rpc}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};
const health = async (url: string) => {
  const answer = await healthz(url);
  return { status: answer?.status, json: answer?.body };
};

describe.skipIf(!redisUp)("replicas of one silo sharing a Redis replay store", () => {
  it("refuse a request replayed to the other replica; a replica without its store refuses all", async () => {
    const port = await freePort();
    const shared = { RPC_REPLAY_STORE: REDIS_URL, RPC_REPLAY_PREFIX: PREFIX };
    const [a, b, cut] = await Promise.all([
      silo(shared),
      silo(shared),
      silo({ ...shared, RPC_REPLAY_STORE: `redis://127.0.0.1:${port}` }),
    ]);

    const captured = signRequest(SECRET, rpc, Buffer.from(body));
    expect(await call(a.url, captured)).toMatchObject({ status: 200 });
    expect(await call(b.url, captured)).toEqual({
      status: 401,
      json: {
        error: {
          code: "UNAUTHORIZED",
          message: "Invalid RPC signature: nonce was already used (replayed request).",
        },
      },
    });
    expect(await health(b.url)).toMatchObject({
      status: 200,
      json: {
        status: "ok",
        replayStore: { store: describeRedisUrl(REDIS_URL), ok: true, whenUnavailable: "refuse" },
      },
    });

    for (let i = 0; i < 5; i++) {
      expect(await call(cut.url, signRequest(SECRET, rpc, Buffer.from(body)))).toMatchObject({
        status: 503,
        json: {
          error: {
            code: "SERVICE_UNAVAILABLE",
            message: expect.stringContaining(
              `the replay store (redis://127.0.0.1:${port}) cannot be reached`,
            ),
          },
        },
      });
    }
    expect(await health(cut.url)).toMatchObject({
      status: 503,
      json: {
        status: "degraded",
        database: { ok: true },
        replayStore: {
          store: `redis://127.0.0.1:${port}`,
          ok: false,
          error: expect.stringContaining("ECONNREFUSED"),
        },
      },
    });
    // One line when it went down, however many requests were refused since.
    expect(cut.logs().match(/replay store unreachable/g)).toHaveLength(1);
    expect(a.logs()).toContain('"msg":"replay store reachable');
  }, 180_000);
});
