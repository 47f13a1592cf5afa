// npm run bench: every figure next to a baseline measured in the same run, as a ratio.
// Servers run in their own processes; clients (and autocannon) in this one. Loopback only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  byOrganizationSlug,
  createRpcEndpoint,
  createSiloClient,
  MappingCache,
  openReplayStore,
  parseInput,
  rpcPath,
  ServiceRegistry,
  SiloRuntime,
  signRequest,
  siloConfig,
} from "@acme/rpc";
import { redisAnswers } from "@acme/rpc/probes";
import { createTRPCClient, httpLink } from "@trpc/client";
import autocannon from "autocannon";
import { demoMethodRow } from "./demo-method.ts"; // demo:line
import { memoryRows, memorySection } from "./memory.ts";
import { outboxRows, outboxSection } from "./outbox.ts"; // demo:line
import { profileRows, profileSection } from "./profile.ts";
import { median, type Round, ratioSpread, summarize } from "./rounds.ts";
import { scaleRows, scaleSection } from "./scale.ts";
import { buildBenchServer, type Server, startServer } from "./server-process.ts";
import {
  ARGS,
  contracts,
  input as echoInput,
  entries,
  type PlainRouter,
  plainRouter,
} from "./service.ts";
import { startupRows, startupSection } from "./startup.ts";

const BENCH_SECRET = "bench-secret-not-for-production";
const quick = process.argv.includes("--quick");
const CONNECTIONS = 32;
const RESULTS = path.join(import.meta.dirname, "../results.json");

// The sections that measure processes of their own, run after the load tests so that those are not
// disturbed by them. `--memory`, `--startup`, `--outbox`, `--scale` or `--profile` (one or several) runs those
// sections alone and updates only their parts of results.json; `--rpc` runs everything but them.
// `--profile` profiles the endpoint under load.
const postgresServer =
  process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || undefined;
const printed =
  <T>(rows: (report: T) => string[]) =>
  (report: T) => {
    for (const line of rows(report)) console.log(line);
    return report;
  };
const sections: Record<string, () => Promise<unknown>> = {
  // Memory of real silo processes.
  memory: async () =>
    printed(memoryRows)(
      await memorySection({ requests: quick ? 2000 : 6000, secret: BENCH_SECRET, postgresServer }),
    ),
  // Start-up time and RSS of the built silo beside tsx.
  startup: async () =>
    printed(startupRows)(
      await startupSection({
        starts: quick ? 2 : 3,
        requests: quick ? 1000 : 3000,
        secret: BENCH_SECRET,
        postgresServer,
      }),
    ),
  // demo:start
  // Outbox delivery between two silo processes.
  outbox: async () => printed(outboxRows)(await outboxSection({ quick, postgresServer })),
  // demo:end
  // Throughput through HAProxy with 1 and 2 replicas.
  scale: async () => printed(scaleRows)(await scaleSection({ quick, postgresServer })),
  // Where the endpoint's CPU goes under load (node --cpu-prof of the bundled bench server).
  profile: async () => {
    await buildBenchServer();
    return printed(profileRows)(
      await profileSection({ seconds: quick ? 4 : 10, secret: BENCH_SECRET }),
    );
  },
};
const alone = Object.keys(sections).filter((name) => process.argv.includes(`--${name}`));
if (alone.length > 0) {
  const results = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, "utf8")) : {};
  for (const name of alone) results[name] = await sections[name]?.();
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote the ${alone.join(", ")} section(s) of bench/results.json`);
  process.exit(0);
}

interface Latency {
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50Us: round(at(0.5)),
    p99Us: round(at(0.99)),
    meanUs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/**
 * Two calls timed in alternating blocks (10 of n/10 calls each, each block starting with the
 * other call), so that a drift in the machine's speed falls on both; each warmed up first.
 */
async function timedPair(
  n: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[Latency, Latency]> {
  const calls = [first, second];
  const samples: number[][] = [[], []];
  for (const call of calls) for (let i = 0; i < Math.min(2000, n / 5); i++) await call();
  const BLOCKS = 10;
  for (let block = 0; block < BLOCKS; block++) {
    for (const which of block % 2 === 0 ? [0, 1] : [1, 0]) {
      const call = calls[which] as () => Promise<unknown>;
      for (let i = 0; i < n / BLOCKS; i++) {
        const start = process.hrtime.bigint();
        await call();
        samples[which]?.push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
  }
  return [latency(samples[0] ?? []), latency(samples[1] ?? [])];
}

async function timed(n: number, call: () => Promise<unknown> | unknown): Promise<Latency> {
  for (let i = 0; i < Math.min(2000, n / 5); i++) await call();
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return latency(samples);
}

async function load(
  options: autocannon.Options,
): Promise<{ rps: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    connections: CONNECTIONS,
    pipelining: 1,
    ...options,
  });
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

// The shared replay store's cost: the silo endpoint with its nonces in Redis (RPC_REPLAY_STORE),
// measured beside the in-memory store when a Redis answers (BENCH_REDIS_URL, default local).
const REDIS_URL = process.env.BENCH_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const redisUp = await redisAnswers(REDIS_URL);
if (!redisUp) console.warn(`No Redis at ${REDIS_URL}: the Redis replay store is not measured.`);
const REDIS_PREFIX = `bench:replay:${process.pid}:`;

// 1. A local call: the silo client in a MONOLITH vs tRPC's createCaller, same procedure.
const monolith = new SiloRuntime({
  config: siloConfig({ regions: [] }),
  registry: new ServiceRegistry(entries),
  mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
  createContext: () => ({}),
});
const local = createSiloClient(monolith, contracts);
const caller = plainRouter.createCaller({});
const N_LOCAL = quick ? 10_000 : 50_000;
const [createCaller, siloLocal] = await timedPair(
  N_LOCAL,
  () => caller.bench.echo(ARGS),
  () => local.bench.echo.query(ARGS),
);

// 2. Routing with a warm mapping cache vs a direct in-memory map lookup.
const mapping = {
  organizationId: "01940000-0000-7000-8000-000200000001",
  slug: "acme",
  regionName: "us",
};
const direct = new Map([[mapping.slug, mapping]]);
const cache = new MappingCache({
  bySlug: async () => mapping,
  byId: async () => mapping,
  single: async () => mapping,
});
await cache.bySlug("acme");
const resolver = byOrganizationSlug("slug");
const N_ROUTE = quick ? 50_000 : 200_000;
const mapLookup = await timed(N_ROUTE, () => direct.get("acme"));
const cachedLookup = await timed(N_ROUTE, () => cache.bySlug("acme"));
const cachedResolve = await timed(N_ROUTE, () =>
  resolver.resolve({ slug: "acme" }, { mappings: cache }),
);

// 2b. What parseInput adds to the schema's own check (text no silo can store, a schema that
//     throws), against a whole request handled by the endpoint in this process (signature,
//     nonce, JSON, checks, handler, output): the share of a request's CPU, without HTTP.
const N_CHECK = quick ? 20_000 : 100_000;
const mean = (n: number, call: (i: number) => unknown) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) call(i);
  return Number(process.hrtime.bigint() - start) / 1000 / n;
};
const benchPath = rpcPath("bench", "echo");
const benchBody = Buffer.from(JSON.stringify({ args: ARGS, meta: {} }));
const signedRequests = Array.from({ length: N_CHECK }, () => {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...signRequest(BENCH_SECRET, benchPath, benchBody),
  };
  return {
    method: "POST",
    path: benchPath,
    header: (name: string) => headers[name],
    body: benchBody,
  };
});
const inProcessEndpoint = createRpcEndpoint(
  new SiloRuntime({
    config: siloConfig({ secrets: [BENCH_SECRET], regions: [] }),
    registry: new ServiceRegistry(entries),
    mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
    createContext: () => ({}),
  }),
);
mean(N_CHECK, () => parseInput("bench.echo", echoInput, ARGS));
const schemaOnlyUs = mean(N_CHECK, () => echoInput.safeParse(ARGS));
const parseInputUs = mean(N_CHECK, () => parseInput("bench.echo", echoInput, ARGS));
const checkUs = Math.max(0, parseInputUs - schemaOnlyUs);
const endpointStart = process.hrtime.bigint();
for (const request of signedRequests) await inProcessEndpoint(request);
const endpointUs = Number(process.hrtime.bigint() - endpointStart) / 1000 / N_CHECK;
// The same requests one at a time through an endpoint whose nonces are in Redis: the round trip
// each one waits for, beside the in-memory store's (the first N_REDIS of the requests above).
const N_REDIS = quick ? 5_000 : 20_000;
let endpointRedisUs: number | undefined;
let endpointMemoryUs: number | undefined;
if (redisUp) {
  const replay = {
    store: "redis",
    url: REDIS_URL,
    prefix: REDIS_PREFIX,
    timeoutMs: 250,
    whenUnavailable: "refuse",
  } as const;
  const replayStore = await openReplayStore(replay);
  const redisEndpoint = createRpcEndpoint(
    new SiloRuntime({
      config: siloConfig({ secrets: [BENCH_SECRET], regions: [], replay }),
      registry: new ServiceRegistry(entries),
      mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
      createContext: () => ({}),
    }),
    { replayStore },
  );
  const memoryEndpoint = createRpcEndpoint(
    new SiloRuntime({
      config: siloConfig({ secrets: [BENCH_SECRET], regions: [] }),
      registry: new ServiceRegistry(entries),
      mappings: { bySlug: async () => null, byId: async () => null, single: async () => null },
      createContext: () => ({}),
    }),
  );
  const each = async (endpoint: typeof memoryEndpoint) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N_REDIS; i++) {
      const result = await endpoint(signedRequests[i] as (typeof signedRequests)[number]);
      if (result.status !== 200) throw new Error(`bench endpoint answered ${result.status}`);
    }
    return Math.round((Number(process.hrtime.bigint() - start) / 1000 / N_REDIS) * 100) / 100;
  };
  endpointMemoryUs = await each(memoryEndpoint);
  endpointRedisUs = await each(redisEndpoint);
  await replayStore?.close();
}

// 3. A remote call, sequential: the silo link (signing, routing, validation, the silo server)
//    vs a plain unsigned tRPC httpLink call to tRPC's standalone adapter.
await buildBenchServer();
const silo = await startServer("silo");
const trpc = await startServer("trpc");
const bare = await startServer("bare");
const siloRedis = redisUp ? await startServer("silo-redis", REDIS_URL, REDIS_PREFIX) : undefined;
try {
  const remoteRuntime = new SiloRuntime({
    config: siloConfig({
      mode: "REGION",
      regionName: "us",
      controlAddress: silo.url,
      secrets: [BENCH_SECRET],
      regions: [{ name: "us", address: "http://127.0.0.1:1" }],
    }),
    registry: new ServiceRegistry(entries),
    mappings: cache,
    createContext: () => ({}),
  });
  const remote = createSiloClient(remoteRuntime, contracts);
  const plain = createTRPCClient<PlainRouter>({ links: [httpLink({ url: trpc.url })] });
  const N_REMOTE = quick ? 1000 : 3000;
  const [trpcRemote, siloRemote] = await timedPair(
    N_REMOTE,
    () => plain.bench.echo.query(ARGS),
    () => remote.bench.echo.query(ARGS),
  );

  // 4. Endpoint throughput, 32 connections, one load generator (autocannon, in this process) for
  //    every target: the same connections, the same request bodies and headers, the same duration,
  //    in rounds that alternate the targets (each round starts with the next one), so that a
  //    change in the machine's load falls on all of them. Reported: each target's median, and the
  //    median ratio of the silo to each baseline with its spread over the rounds; the load
  //    generator's own CPU per request, and that of each server.
  const rpc = rpcPath("bench", "echo");
  const body = Buffer.from(JSON.stringify({ args: ARGS, meta: {} }));
  // Each request needs its own signature (the silo refuses a replayed nonce). Signing inside
  // autocannon would charge the load generator, on the same 2 cores, for work the other targets
  // do not ask of it: sign a pool ahead and hand one out per request. Every target gets the same
  // treatment (a request built per call, with the same headers), so the load generator does the
  // same work whichever server it measures; the tRPC adapter and the bare handler ignore them.
  // Signed with a budget, as the silo client signs every attempt (what is left of its
  // RPC_TIMEOUT_MS): the endpoint then runs the method under that deadline, as in production.
  const signOne = () => signRequest(BENCH_SECRET, rpc, body, { budgetMs: 5000 });
  const signing = await timed(20_000, signOne);
  const ROUNDS = quick ? 3 : 5;
  const ROUND_S = quick ? 2 : 4;
  // Signed between rounds, as many as the round will use (the last round's count and a half):
  // a pool for the whole run (hundreds of thousands of header sets) kept the load generator's
  // heap so large that its own GC halved the rate it could send at. Each silo's rounds draw on
  // a pool of their own (a nonce is used once per silo); a pool that runs out is topped up by
  // signing during the round (counted). The baselines ignore the headers and reuse a pool.
  let signedLive = 0;
  const pools = new Map<string, { headers: Record<string, string>[]; next: number }>();
  const expected = new Map<string, number>();
  const refill = (name: string) => {
    const count =
      name === "other" ? 10_000 : Math.ceil((expected.get(name) ?? 20_000) * ROUND_S * 1.5);
    pools.set(name, { headers: Array.from({ length: count }, signOne), next: 0 });
  };
  const headersFor = (name: string) => {
    const pool = pools.get(name) as { headers: Record<string, string>[]; next: number };
    const signed = pool.headers[pool.next++];
    if (signed !== undefined) return signed;
    if (name === "other") return pool.headers[pool.next % pool.headers.length] ?? signOne();
    signedLive++;
    return signOne();
  };
  refill("other");
  interface Target {
    readonly name: "silo" | "silo-redis" | "trpc" | "bare";
    readonly server: Server;
    readonly path: string;
    /** The same arguments; each protocol's envelope (tRPC's is the input itself). */
    readonly body: string;
    /** Whose pool of signed headers it draws on: its own (a silo), or the shared one. */
    readonly cursor: string;
  }
  const targets: Target[] = [
    { name: "silo", server: silo, path: rpc, body: body.toString(), cursor: "silo" },
    // tRPC serves a query over POST with allowMethodOverride: the same method and body size.
    {
      name: "trpc",
      server: trpc,
      path: "/bench.echo",
      body: JSON.stringify(ARGS),
      cursor: "other",
    },
    { name: "bare", server: bare, path: "/", body: body.toString(), cursor: "other" },
    ...(siloRedis === undefined
      ? []
      : [
          {
            name: "silo-redis",
            server: siloRedis,
            path: rpc,
            body: body.toString(),
            cursor: "silo-redis",
          } as const,
        ]),
  ];
  interface RoundResult extends Round {
    /** The load generator's CPU per request (this process), µs. */
    readonly clientCpuUs: number;
    /** The load generator's CPU over the round's wall time: cores it kept busy. */
    readonly clientCores: number;
  }
  const rounds = new Map<Target["name"], RoundResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
    for (const target of order) {
      if (target.cursor !== "other") refill(target.cursor);
      // The last round's garbage (a spent pool) collected now, not during this round's load.
      (globalThis as { gc?: () => void }).gc?.();
      const serverCpu = target.server.cpuUs();
      const clientCpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const result = await load({
        url: `${target.server.url}${target.path}`,
        duration: ROUND_S,
        requests: [
          {
            method: "POST",
            path: target.path,
            body: target.body,
            setupRequest: (request) => ({
              ...request,
              headers: { "content-type": "application/json", ...headersFor(target.cursor) },
            }),
          },
        ],
      });
      const wallUs = Number(process.hrtime.bigint() - started) / 1000;
      expected.set(target.cursor, result.rps);
      const client = process.cpuUsage(clientCpu);
      const requests = Math.max(1, result.rps * ROUND_S);
      rounds.get(target.name)?.push({
        ...result,
        serverCpuUs: Math.round((target.server.cpuUs() - serverCpu) / requests),
        clientCpuUs: Math.round(((client.user + client.system) / requests) * 10) / 10,
        clientCores: Math.round(((client.user + client.system) / wallUs) * 100) / 100,
      });
    }
  }
  const summary = (name: Target["name"]) => {
    const runs = rounds.get(name) ?? [];
    return {
      ...summarize(runs),
      clientCpuUs: median(runs.map((r) => r.clientCpuUs)),
      clientCores: median(runs.map((r) => r.clientCores)),
    };
  };
  /** The silo's rps over `baseline`'s, round by round: median, lowest and highest. */
  const ratios = (ours: Target["name"], baseline: Target["name"]) =>
    ratioSpread(rounds.get(ours) ?? [], rounds.get(baseline) ?? []);
  const siloLoad = summary("silo");
  const trpcLoad = summary("trpc");
  const bareLoad = summary("bare");
  const redisLoad = siloRedis === undefined ? undefined : summary("silo-redis");
  const siloCpuUs = siloLoad.serverCpuUs;
  const redisCpuUs = redisLoad?.serverCpuUs;
  const vsTrpc = ratios("silo", "trpc");
  const vsBare = ratios("silo", "bare");
  const redisVsMemory = redisLoad === undefined ? undefined : ratios("silo-redis", "silo");
  // demo:start
  // 5. A demo service's method on a seeded database: organization.getOrgBySlug on the built silo,
  //    tRPC's adapter and node:http, all running its handler, in alternating rounds; the query's
  //    own cost measured apart (bench/src/demo-method.ts).
  const demoMethod = await demoMethodRow({
    rounds: ROUNDS,
    seconds: ROUND_S,
    secret: BENCH_SECRET,
    postgresServer,
  });
  // demo:end
  const presigned = (rounds.get("silo") ?? []).reduce((n, r) => n + r.rps * ROUND_S, 0);

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "", node: process.version },
    settings: {
      connections: CONNECTIONS,
      rounds: ROUNDS,
      roundS: ROUND_S,
      localCalls: N_LOCAL,
      remoteCalls: N_REMOTE,
      routeLookups: N_ROUTE,
    },
    localCall: {
      siloClient: siloLocal,
      createCaller,
      ratio: ratio(siloLocal.meanUs, createCaller.meanUs),
      goal: "<= 0.2",
    },
    remoteCall: {
      siloLink: siloRemote,
      plainTrpcHttpLink: trpcRemote,
      ratio: ratio(siloRemote.p50Us, trpcRemote.p50Us),
      goal: "<= 0.8 (p50)",
    },
    throughput: {
      siloEndpoint: { ...siloLoad, peakRssMb: silo.peakRssMb() },
      trpcStandalone: { ...trpcLoad, peakRssMb: trpc.peakRssMb() },
      bareNodeHttp: { ...bareLoad, peakRssMb: bare.peakRssMb() },
      vsTrpc,
      vsBare,
      goal: ">= 5x tRPC and >= 0.7x bare (median ratio over the rounds)",
      signedDuringLoad: signedLive,
      signingUs: signing.meanUs,
      siloRequests: presigned,
    },
    replayStore:
      redisLoad === undefined || siloRedis === undefined
        ? { redis: null, note: `no Redis at ${REDIS_URL}` }
        : {
            redis: { ...redisLoad, peakRssMb: siloRedis.peakRssMb() },
            memory: { rps: siloLoad.rps, p50Ms: siloLoad.p50Ms, p99Ms: siloLoad.p99Ms },
            vsMemory: redisVsMemory,
            // CPU and wait per request beyond the in-memory store's, at 32 connections.
            cpuUsPerRequest: { redis: redisCpuUs, memory: siloCpuUs },
            inProcessSequential: {
              redisUs: endpointRedisUs,
              memoryUs: endpointMemoryUs,
              requests: N_REDIS,
            },
          },
    demoMethod, // demo:line
    inputChecks: {
      checkUs: Math.round(checkUs * 1000) / 1000,
      schemaOnlyUs: Math.round(schemaOnlyUs * 1000) / 1000,
      endpointInProcessUs: Math.round(endpointUs * 100) / 100,
      share: Math.round((checkUs / endpointUs) * 10000) / 10000,
      goal: "<= 5% of a request",
    },
    routing: {
      mapLookup,
      cachedMapping: cachedLookup,
      cachedResolution: cachedResolve,
      ratio: ratio(cachedResolve.meanUs, mapLookup.meanUs),
      goal: "cached resolution < 20 µs",
    },
  };

  const row = (name: string, value: string, baseline: string, r: string, goal: string) =>
    `| ${name.padEnd(34)} | ${value.padEnd(30)} | ${baseline.padEnd(34)} | ${r.padStart(6)} | ${goal.padEnd(22)} |`;
  const us = (l: Latency) => `p50 ${l.p50Us} µs, p99 ${l.p99Us} µs`;
  console.log(
    `\n${results.machine.cpus} cores, ${results.machine.model}, Node ${results.machine.node}\n`,
  );
  console.log(row("measure", "ours", "baseline", "ratio", "goal"));
  console.log(
    `|${"-".repeat(36)}|${"-".repeat(32)}|${"-".repeat(36)}|${"-".repeat(8)}|${"-".repeat(24)}|`,
  );
  console.log(
    row(
      "local call (mean)",
      `${siloLocal.meanUs} µs (${us(siloLocal)})`,
      `createCaller ${createCaller.meanUs} µs`,
      `${results.localCall.ratio}x`,
      "<= 0.2x",
    ),
  );
  console.log(
    row(
      "remote call (sequential)",
      us(siloRemote),
      `tRPC httpLink ${us(trpcRemote)}`,
      `${results.remoteCall.ratio}x`,
      "<= 0.8x (p50)",
    ),
  );
  const spread = (r: { median: number; min: number; max: number }) =>
    `${r.median}x (${r.min}-${r.max})`;
  console.log(
    row(
      `endpoint throughput (${CONNECTIONS} conns)`,
      `${siloLoad.rps} req/s, p99 ${siloLoad.p99Ms} ms`,
      `tRPC standalone ${trpcLoad.rps} req/s`,
      spread(vsTrpc),
      ">= 5x",
    ),
  );
  console.log(row("", "", `bare node:http ${bareLoad.rps} req/s`, spread(vsBare), ">= 0.7x"));
  if (redisLoad !== undefined && redisVsMemory !== undefined) {
    console.log(
      row(
        "endpoint, Redis replay store",
        `${redisLoad.rps} req/s, p99 ${redisLoad.p99Ms} ms`,
        `in-memory store ${siloLoad.rps} req/s`,
        spread(redisVsMemory),
        "(measured)",
      ),
    );
    console.log(
      row(
        "",
        `one at a time ${endpointRedisUs} µs`,
        `in-memory store ${endpointMemoryUs} µs`,
        `${ratio(endpointRedisUs ?? 0, endpointMemoryUs ?? 1)}x`,
        "(in process)",
      ),
    );
  }
  console.log(
    row(
      "route resolution, warm cache",
      `${cachedResolve.meanUs} µs (mapping ${cachedLookup.meanUs} µs)`,
      `Map.get ${mapLookup.meanUs} µs`,
      `${results.routing.ratio}x`,
      "< 20 µs",
    ),
  );
  console.log(
    row(
      "input checks beyond the schema",
      `${results.inputChecks.checkUs} µs (schema ${results.inputChecks.schemaOnlyUs} µs)`,
      `in-process endpoint ${results.inputChecks.endpointInProcessUs} µs`,
      `${Math.round(results.inputChecks.share * 1000) / 10}%`,
      "<= 5%",
    ),
  );
  // demo:start
  const demoTarget = (name: "silo" | "trpc" | "bare") => {
    const target = demoMethod.targets[name];
    return `${target.rps} req/s, ${target.serverCpuUs} µs CPU/req`;
  };
  const demoQuery = (
    label: string,
    time: { meanUs: number; p50Us: number; cpuUs: number } | undefined,
  ) =>
    time === undefined ? "" : `${label} ${time.meanUs} µs (p50 ${time.p50Us}, CPU ${time.cpuUs})`;
  console.log(
    row(
      `organization.getOrgBySlug (${demoMethod.database})`,
      `${demoTarget("silo")}, p99 ${demoMethod.targets.silo.p99Ms} ms`,
      `tRPC standalone ${demoTarget("trpc")}`,
      spread(demoMethod.vsTrpc),
      "(same handler)",
    ),
  );
  console.log(row("", "", `bare node:http ${demoTarget("bare")}`, spread(demoMethod.vsBare), ""));
  console.log(
    row(
      "  its query alone, one at a time",
      demoQuery("Prisma findFirst", demoMethod.prisma),
      `${demoQuery("same SQL: $queryRawUnsafe", demoMethod.raw)}; ${demoQuery("pg", demoMethod.driver)}`,
      "",
      "",
    ),
  );
  // demo:end
  console.log(`\nsigning one request: ${signing.meanUs} µs (done ahead of the load test)`);
  console.log(
    `\nThroughput: ${ROUNDS} rounds of ${ROUND_S} s per target, alternating; medians, ratios as median (lowest-highest) of the rounds' ratios; load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `| ${"target".padEnd(24)} | ${"req/s by round".padEnd(36)} | ${"server CPU/req".padEnd(14)} | ${"load gen CPU/req".padEnd(16)} | ${"load gen cores".padEnd(14)} | ${"errors/non-2xx".padEnd(14)} |`,
  );
  console.log(
    `|${"-".repeat(26)}|${"-".repeat(38)}|${"-".repeat(16)}|${"-".repeat(18)}|${"-".repeat(16)}|${"-".repeat(16)}|`,
  );
  const names = {
    silo: "silo endpoint",
    "silo-redis": "silo, Redis nonces",
    trpc: "tRPC standalone",
    bare: "bare node:http",
  };
  for (const target of targets) {
    const t = summary(target.name);
    console.log(
      `| ${names[target.name].padEnd(24)} | ${t.rounds.join(", ").padEnd(36)} | ${`${t.serverCpuUs} µs`.padEnd(14)} | ${`${t.clientCpuUs} µs`.padEnd(16)} | ${String(t.clientCores).padEnd(14)} | ${`${t.errors}/${t.non2xx}`.padEnd(14)} |`,
    );
  }
  if (signedLive > 0)
    console.log(`(${signedLive} silo requests were signed during the load: the pool ran out)`);
  console.log(
    `peak RSS: silo ${results.throughput.siloEndpoint.peakRssMb} MB, tRPC ${results.throughput.trpcStandalone.peakRssMb} MB, bare ${results.throughput.bareNodeHttp.peakRssMb} MB`,
  );
  await Promise.all([silo.stop(), trpc.stop(), bare.stop(), siloRedis?.stop()]);
  const measured: Record<string, unknown> = {};
  // `--rpc`: the calls and the endpoint only (results.json keeps the sections' last figures).
  if (!process.argv.includes("--rpc"))
    for (const [name, run] of Object.entries(sections)) measured[name] = await run();
  const previous = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, "utf8")) : {};
  fs.writeFileSync(
    RESULTS,
    `${JSON.stringify({ ...previous, ...results, ...measured }, null, 2)}\n`,
  );
  console.log("Wrote bench/results.json");
} finally {
  await Promise.all([silo.stop(), trpc.stop(), bare.stop(), siloRedis?.stop()]);
}
