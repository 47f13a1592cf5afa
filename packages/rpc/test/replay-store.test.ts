// The replay store shared by a silo's replicas, against a real Redis: a nonce accepted by one
// replica is refused by the others, for its remaining window; an unreachable store refuses
// signed requests with 503 (or, when set explicitly, falls back to this process's memory).
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import net from "node:net";
import { createClient } from "@redis/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRpcEndpoint,
  loadSiloConfig,
  nodeRpcHandler,
  type ReplayConfig,
  ServiceRegistry,
  SiloRuntime,
  siloConfig,
} from "../src/index.ts";
import { freePort, redisAnswers } from "../src/probes.ts";
import { RedisReplayStore } from "../src/redis-replay-store.ts";
import { describeRedisUrl } from "../src/replay-store.ts";
import { SignatureVerifier, signRequest } from "../src/signing.ts";
import { entries, MAPPINGS, MemoryMappings, type TestContext } from "./fixtures.ts";

const REDIS_URL = process.env.TEST_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const SECRET = "replay-store-test-secret";
// Every key of this run under one prefix, removed at the end: the Redis is shared by the machine.
const RUN = `test:replay:${process.pid}:${randomBytes(4).toString("hex")}:`;
const SKEW_S = 300;

const redisUp = await redisAnswers(REDIS_URL);
if (!redisUp) {
  console.warn(
    `SKIPPED: no Redis answers at ${REDIS_URL} (set TEST_REDIS_URL): the shared replay store is untested.`,
  );
}

/**
 * A TCP proxy to Redis that can hang (stops passing bytes, like a stopped server: they wait in
 * the buffers and flow again on `resume`) or cut every connection and refuse new ones.
 */
class RedisProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  #refusing = false;
  #hung = false;
  port = 0;

  constructor(target: string) {
    const { hostname, port } = new URL(target);
    this.#server = net.createServer((client) => {
      if (this.#refusing) {
        client.destroy();
        return;
      }
      const upstream = net.connect({ host: hostname, port: Number(port || 6379) });
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.#hung) upstream.pause();
      const close = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Redis's answers stop here until `resume`. */
  hang(): void {
    this.#hung = true;
    for (const [, upstream] of this.#pairs) upstream.pause();
  }

  resume(): void {
    this.#hung = false;
    for (const [, upstream] of this.#pairs) upstream.resume();
  }

  /** Every connection is cut, and new ones are refused until `restore`. */
  cut(): void {
    this.#refusing = true;
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  restore(): void {
    this.#refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const nonce = () => randomBytes(18).toString("base64url");

/** Events of one store, and a promise for the next "up". */
function recorder() {
  const events: string[] = [];
  let upWaiter: (() => void) | undefined;
  return {
    events,
    handlers: {
      onDown: (reason: string) => events.push(`down: ${reason}`),
      onUp: () => {
        events.push("up");
        upWaiter?.();
      },
    },
    nextUp: () =>
      new Promise<void>((resolve) => {
        upWaiter = resolve;
      }),
  };
}

const opened: RedisReplayStore[] = [];
async function store(
  options: Partial<Parameters<typeof RedisReplayStore.open>[0]> = {},
): Promise<RedisReplayStore> {
  const opening = await RedisReplayStore.open({
    url: REDIS_URL,
    prefix: RUN,
    timeoutMs: 250,
    reconnectMaxDelayMs: 50,
    ...options,
  });
  opened.push(opening);
  return opening;
}

const admin = createClient({ url: REDIS_URL });
const proxies: RedisProxy[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  if (redisUp) await admin.connect();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((each) => each.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  if (!redisUp) return;
  const keys: string[] = [];
  for await (const batch of admin.scanIterator({ MATCH: `${RUN}*`, COUNT: 1000 }))
    keys.push(...batch);
  if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

describe("configuration", () => {
  it("keeps nonces in memory unless RPC_REPLAY_STORE names a Redis", () => {
    expect(loadSiloConfig({}).replay).toEqual({ store: "memory" });
    expect(loadSiloConfig({ RPC_REPLAY_STORE: "memory" }).replay).toEqual({ store: "memory" });
  });

  it("derives each silo's key prefix from its mode and region, and reads every setting", () => {
    const region = loadSiloConfig({
      SILO_MODE: "REGION",
      REGION_NAME: "eu",
      CONTROL_ADDRESS: "http://127.0.0.1:8000",
      REGION_CONFIG: '[{"name":"eu","address":"http://127.0.0.1:8002"}]',
      RPC_SHARED_SECRET: SECRET,
      RPC_REPLAY_STORE: "redis://:pw@127.0.0.1:6379/2",
    });
    expect(region.replay).toEqual({
      store: "redis",
      url: "redis://:pw@127.0.0.1:6379/2",
      prefix: "rpc:replay:region:eu:",
      timeoutMs: 250,
      whenUnavailable: "refuse",
    });
    const control = loadSiloConfig({
      SILO_MODE: "CONTROL",
      RPC_SHARED_SECRET: SECRET,
      RPC_REPLAY_STORE: "rediss://redis.internal",
      RPC_REPLAY_PREFIX: "prod:replay:control:",
      RPC_REPLAY_TIMEOUT_MS: "400",
      RPC_REPLAY_STORE_UNAVAILABLE: "accept-with-local-check",
    });
    expect(control.replay).toEqual({
      store: "redis",
      url: "rediss://redis.internal",
      prefix: "prod:replay:control:",
      timeoutMs: 400,
      whenUnavailable: "accept-with-local-check",
    });
    expect(loadSiloConfig({ RPC_REPLAY_STORE: "redis://x" }).replay).toMatchObject({
      prefix: "rpc:replay:monolith:",
    });
  });

  it("names each wrong setting", () => {
    expect(() =>
      loadSiloConfig({
        RPC_REPLAY_STORE: "postgres://db",
        RPC_REPLAY_TIMEOUT_MS: "0",
        RPC_REPLAY_STORE_UNAVAILABLE: "accept",
      }),
    ).toThrow(
      /RPC_REPLAY_STORE: "memory" or a redis:\/\/[\s\S]*RPC_REPLAY_TIMEOUT_MS[\s\S]*RPC_REPLAY_STORE_UNAVAILABLE/,
    );
  });

  it("shows a store's address without its credentials", () => {
    expect(describeRedisUrl("redis://user:secret@10.0.0.5:6380/3")).toBe("redis://10.0.0.5:6380/3");
    expect(describeRedisUrl("rediss://:secret@redis.internal")).toBe(
      "rediss://redis.internal:6379",
    );
  });

  it("refuses to serve a shared-store configuration without its store", () => {
    const runtime = runtimeFor({
      store: "redis",
      url: REDIS_URL,
      prefix: RUN,
      timeoutMs: 250,
      whenUnavailable: "refuse",
    });
    expect(() => createRpcEndpoint(runtime)).toThrow(/open it \(openReplayStore\)/);
  });
});

describe.skipIf(!redisUp)("Redis replay store", () => {
  it("refuses on one replica a nonce accepted by another, and keeps silos apart", async () => {
    const [a, b] = [await store(), await store()];
    const other = await store({ prefix: `${RUN}other-silo:` });
    const n = nonce();
    const now = Date.now();
    expect(await a.claim(n, now, now + 60_000)).toBe("new");
    expect(await b.claim(n, now, now + 60_000)).toBe("replay");
    expect(await a.claim(n, now, now + 60_000)).toBe("replay");
    expect(await other.claim(n, now, now + 60_000)).toBe("new");
    expect(await admin.get(`${RUN}${n}`)).toBe("1");
  });

  it("keeps a nonce for its remaining window, by the verifier's clock (PTTL)", async () => {
    const T = Math.floor(Date.now() / 1000);
    const path = "/api/0/internal/rpc/clock/now/";
    const body = Buffer.from('{"args":{}}');
    for (const [offsetMs, remainingMs] of [
      [2_500, (SKEW_S + 1) * 1000 - 2_500],
      // The last instant a copy passes the clock check: one more second (§6.3).
      [SKEW_S * 1000, 1000],
      // Timestamped ahead of this clock: remembered for up to twice the skew.
      [-SKEW_S * 1000, (2 * SKEW_S + 1) * 1000],
    ] as const) {
      const now = T * 1000 + offsetMs;
      const verifier = new SignatureVerifier({
        secrets: [SECRET],
        maxClockSkewSeconds: SKEW_S,
        acceptRpc0: false,
        shared: await store(),
        now: () => now,
      });
      const headers = signRequest(SECRET, path, body, { now: T * 1000 });
      const verdict = await verifier.verify({ path, body, header: (name) => headers[name] });
      expect(verdict).toEqual({ ok: true });
      const ttl = await admin.pTTL(`${RUN}${headers["x-rpc-nonce"]}`);
      // PTTL counts down from PX: at most the window, less only by the time since the SET.
      expect(ttl, `offset ${offsetMs} ms`).toBeLessThanOrEqual(remainingMs);
      expect(ttl, `offset ${offsetMs} ms`).toBeGreaterThan(remainingMs - 1000);
    }
  });

  it("answers unavailable at once when Redis refuses connections, and says so once", async () => {
    const port = await freePort();
    const { events, handlers } = recorder();
    const down = await store({ url: `redis://127.0.0.1:${port}`, events: handlers });
    expect(down.description).toBe(`redis://127.0.0.1:${port}`);
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      expect(await down.claim(nonce(), Date.now(), Date.now() + 1000)).toEqual({
        unavailable: expect.stringContaining("ECONNREFUSED"),
      });
    }
    // Refused without waiting for the timeout: commands are not queued while offline.
    expect(performance.now() - started).toBeLessThan(250);
    expect(await down.check()).toMatchObject({ ok: false, error: expect.any(String) });
    expect(events).toEqual([`down: connect ECONNREFUSED 127.0.0.1:${port}`]);
  });

  it("gives up on a Redis that stops answering after the timeout, and recovers", async () => {
    const proxy = new RedisProxy(REDIS_URL);
    proxies.push(proxy);
    await proxy.listen();
    const { events, handlers } = recorder();
    const hung = await store({ url: proxy.url, timeoutMs: 150, events: handlers });
    expect(await hung.claim(nonce(), Date.now(), Date.now() + 60_000)).toBe("new");
    proxy.hang();
    const started = performance.now();
    const claims = await Promise.all(
      [1, 2, 3].map(() => hung.claim(nonce(), Date.now(), Date.now() + 60_000)),
    );
    const waited = performance.now() - started;
    expect(claims).toEqual(
      [1, 2, 3].map(() => ({ unavailable: "no answer within 150 ms (RPC_REPLAY_TIMEOUT_MS)" })),
    );
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1000);
    proxy.resume();
    // Late answers to the abandoned commands are dropped; the next one is answered in order.
    const n = nonce();
    expect(await hung.claim(n, Date.now(), Date.now() + 60_000)).toBe("new");
    expect(await hung.claim(n, Date.now(), Date.now() + 60_000)).toBe("replay");
    expect(events).toEqual(["up", "down: no answer within 150 ms (RPC_REPLAY_TIMEOUT_MS)", "up"]);
  });

  it("reports one line when the connection is lost and one when it is back", async () => {
    const proxy = new RedisProxy(REDIS_URL);
    proxies.push(proxy);
    await proxy.listen();
    const { events, handlers, nextUp } = recorder();
    const flaky = await store({ url: proxy.url, events: handlers });
    expect(events).toEqual(["up"]);
    proxy.cut();
    for (let i = 0; i < 10; i++) {
      expect(await flaky.claim(nonce(), Date.now(), Date.now() + 60_000)).toHaveProperty(
        "unavailable",
      );
    }
    const back = nextUp();
    proxy.restore();
    await back;
    expect(await flaky.claim(nonce(), Date.now(), Date.now() + 60_000)).toBe("new");
    expect(events).toHaveLength(3);
    expect(events[1]).toMatch(/^down: /);
    expect(events[2]).toBe("up");
  });
});

describe.skipIf(!redisUp)("SignatureVerifier with a shared store", () => {
  const path = "/api/0/internal/rpc/clock/now/";
  const body = Buffer.from('{"args":{}}');
  const request = (headers: Record<string, string>) => ({
    path,
    body,
    header: (name: string) => headers[name],
  });
  const verifier = (shared: RedisReplayStore, localCheck = false) =>
    new SignatureVerifier({
      secrets: [SECRET],
      maxClockSkewSeconds: SKEW_S,
      acceptRpc0: false,
      shared,
      ...(localCheck ? { whenSharedUnavailable: "accept-with-local-check" as const } : {}),
    });

  it("refuses while the store is unreachable, naming it", async () => {
    const port = await freePort();
    const check = verifier(await store({ url: `redis://127.0.0.1:${port}` }));
    expect(await check.verify(request(signRequest(SECRET, path, body)))).toEqual({
      ok: false,
      unavailable: true,
      reason: `the replay store (redis://127.0.0.1:${port}) cannot be reached: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it("with accept-with-local-check, checks against this process's memory instead", async () => {
    const port = await freePort();
    const check = verifier(await store({ url: `redis://127.0.0.1:${port}` }), true);
    const headers = signRequest(SECRET, path, body, { budgetMs: 900 });
    expect(await check.verify(request(headers))).toEqual({ ok: true, budgetMs: 900 });
    expect(await check.verify(request(headers))).toEqual({
      ok: false,
      reason: "nonce was already used (replayed request)",
    });
    expect(check.rememberedNonces).toBe(1);
  });

  it("with accept-with-local-check, also remembers what the store accepted", async () => {
    const check = verifier(await store(), true);
    const headers = signRequest(SECRET, path, body);
    expect(await check.verify(request(headers))).toEqual({ ok: true });
    // The store forgets it (a restarted Redis keeps nothing): this process still refuses it.
    await admin.del(`${RUN}${headers["x-rpc-nonce"]}`);
    expect(await check.verify(request(headers))).toEqual({
      ok: false,
      reason: "nonce was already used (replayed request)",
    });
  });

  it("without the fallback, keeps nothing in this process's memory", async () => {
    const check = verifier(await store());
    expect(await check.verify(request(signRequest(SECRET, path, body)))).toEqual({ ok: true });
    expect(check.rememberedNonces).toBe(0);
  });
});

// Two replicas of one silo over HTTP (node:http, the silo server's adapter), sharing the store.

function runtimeFor(replay: ReplayConfig): SiloRuntime<TestContext> {
  const ctx: TestContext = { silo: "test", notes: new Map(), counter: { value: 0, calls: 0 } };
  return new SiloRuntime<TestContext>({
    config: siloConfig({ secrets: [SECRET], replay }),
    registry: new ServiceRegistry(entries),
    mappings: new MemoryMappings(MAPPINGS),
    createContext: () => ctx,
  });
}

async function replica(shared: RedisReplayStore, replay: ReplayConfig): Promise<string> {
  const server = createServer(
    nodeRpcHandler(createRpcEndpoint(runtimeFor(replay), { replayStore: shared })),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe.skipIf(!redisUp)("two replicas over HTTP", () => {
  const path = "/api/0/internal/rpc/clock/now/";
  const body = '{"args":{},"meta":{}}';
  const send = async (url: string, headers: Record<string, string>) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      json: await response.json(),
    };
  };
  const config = (
    url: string,
    whenUnavailable: "refuse" | "accept-with-local-check" = "refuse",
  ): ReplayConfig => ({ store: "redis", url, prefix: RUN, timeoutMs: 250, whenUnavailable });

  it("a request captured from the wire and replayed to the other replica is refused", async () => {
    const a = await replica(await store(), config(REDIS_URL));
    const b = await replica(await store(), config(REDIS_URL));
    const captured = signRequest(SECRET, path, Buffer.from(body));
    expect(await send(a, captured)).toMatchObject({
      status: 200,
      json: { value: { silo: "test" } },
    });
    expect(await send(b, captured)).toEqual({
      status: 401,
      retryAfter: null,
      json: {
        error: {
          code: "UNAUTHORIZED",
          message: "Invalid RPC signature: nonce was already used (replayed request).",
        },
      },
    });
    expect((await send(b, signRequest(SECRET, path, Buffer.from(body)))).status).toBe(200);
  });

  it("answers 503 naming the replay store while it cannot be reached", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const down = await replica(await store({ url }), config(url));
    expect(await send(down, signRequest(SECRET, path, Buffer.from(body)))).toEqual({
      status: 503,
      retryAfter: "1",
      json: {
        error: {
          code: "SERVICE_UNAVAILABLE",
          message: `Replay protection is unavailable, so this silo refuses signed requests: the replay store (${url}) cannot be reached: connect ECONNREFUSED 127.0.0.1:${port}.`,
        },
      },
    });
    // A wrong signature is still 401: only a valid request reaches the store.
    const forged = { ...signRequest("not-the-secret", path, Buffer.from(body)) };
    expect((await send(down, forged)).status).toBe(401);
  });

  it("serves with accept-with-local-check, refusing replays to the same replica", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const fallback = await replica(await store({ url }), config(url, "accept-with-local-check"));
    const headers = signRequest(SECRET, path, Buffer.from(body));
    expect((await send(fallback, headers)).status).toBe(200);
    expect((await send(fallback, headers)).status).toBe(401);
  });
});
