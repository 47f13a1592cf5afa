// A demo service's method over the wire, not the benchmark's echo: organization.getOrgBySlug on
// a database holding the demo data, served three ways under the same load (32 connections, the
// same pre-signed requests, rounds alternating as the endpoint rounds do):
// - the built silo (apps/silo/dist, REGION us), every check on;
// - tRPC's standalone adapter mounting the organization service's own router (demo-servers.ts);
// - node:http running the same handler, nothing checked (demo-servers.ts).
// The query's own cost is measured apart, one at a time from this process once the servers
// stopped (an embedded database is one process's at a time): through Prisma, as the handler runs
// it, and as the same SQL sent by the driver alone (the database's own time and the round trip).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@acme/db";
import { rpcPath, signRequest } from "@acme/rpc";
import pg from "pg";
import { withPostgresDatabases } from "./databases.ts";
import { median, type Round, ratioSpread, type Spread, summarize } from "./rounds.ts";
import { type Server, startServer } from "./server-process.ts";
import { signedLoad } from "./signed-load.ts";
import {
  buildSilo,
  procCpuUs,
  regionSiloEnv,
  SILO_DIST,
  seedRegion,
  startMeasured,
} from "./silo-process.ts";

type Target = "silo" | "trpc" | "bare";

/** Medians over the rounds (server CPU per request from its clock ticks), and each round's rate. */
export type DemoTargetReport = ReturnType<typeof summarize>;

export interface DemoMethodReport {
  readonly database: "PostgreSQL" | "PGlite";
  readonly targets: Readonly<Record<Target, DemoTargetReport>>;
  /** The silo's requests/s over each baseline's, round by round: median (lowest-highest). */
  readonly vsTrpc: Spread;
  readonly vsBare: Spread;
  /** The query alone, one at a time from this process, through Prisma as the handler runs it. */
  readonly prisma: QueryTime;
  /** The same SQL through Prisma's $queryRawUnsafe: Prisma without compiling a query. */
  readonly raw: QueryTime;
  /** The same SQL through pg alone (PostgreSQL): the database's own time and the round trip. */
  readonly driver: QueryTime | undefined;
}

const ARGS = { slug: "acme" };
const SILO_BODY = Buffer.from(JSON.stringify({ args: ARGS, meta: {} }));

export interface QueryTime {
  readonly meanUs: number;
  readonly p50Us: number;
  /** This process's CPU per query: what the client side of the query costs the caller. */
  readonly cpuUs: number;
}

/** `query` one call at a time after a warm-up: wall time (mean, p50) and CPU, µs. */
async function timeQuery(query: () => Promise<unknown>): Promise<QueryTime> {
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) await query();
  const cpu = process.cpuUsage();
  for (let i = 0; i < 2000; i++) {
    const started = process.hrtime.bigint();
    await query();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  const used = process.cpuUsage(cpu);
  return {
    meanUs: Math.round(samples.reduce((a, b) => a + b, 0) / samples.length),
    p50Us: Math.round(median(samples)),
    cpuUs: Math.round((used.user + used.system) / samples.length),
  };
}

async function measure(
  /** Each target's database: one for all on PostgreSQL; on PGlite, copies of one (a process each). */
  urls: Readonly<Record<Target, string>>,
  database: DemoMethodReport["database"],
  options: { readonly rounds: number; readonly seconds: number; readonly secret: string },
): Promise<DemoMethodReport> {
  const silo = await startMeasured({
    args: [SILO_DIST],
    env: regionSiloEnv({ secret: options.secret, databaseUrl: urls.silo }),
  });
  const servers: Server[] = [];
  const rounds = new Map<Target, Round[]>([
    ["silo", []],
    ["trpc", []],
    ["bare", []],
  ]);
  try {
    const trpc = await startServer("demo-trpc", urls.trpc);
    servers.push(trpc);
    const bare = await startServer("demo-bare", urls.bare);
    servers.push(bare);
    const rpc = rpcPath("organization", "getOrgBySlug");
    // What each target is sent: its protocol's envelope around the same arguments. Every request
    // carries signed headers (the baselines ignore them), so the load generator works alike.
    const targets: {
      readonly name: Target;
      readonly origin: string;
      readonly path: string;
      readonly body: Buffer;
      readonly cpuUs: () => number;
    }[] = [
      {
        name: "silo",
        origin: silo.url,
        path: rpc,
        body: SILO_BODY,
        cpuUs: () => procCpuUs(silo.child.pid as number),
      },
      {
        name: "trpc",
        origin: trpc.url,
        path: "/organization.getOrgBySlug",
        body: Buffer.from(JSON.stringify(ARGS)),
        cpuUs: trpc.cpuUs,
      },
      { name: "bare", origin: bare.url, path: "/", body: SILO_BODY, cpuUs: bare.cpuUs },
    ];
    // Each serves the organization, not an error or null, before it is measured.
    for (const target of targets) {
      const answer = await fetch(`${target.origin}${target.path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signRequest(options.secret, target.path, target.body),
        },
        body: target.body,
      });
      const text = await answer.text();
      if (answer.status !== 200 || !text.includes('"slug":"acme"'))
        throw new Error(`${target.name} answered ${answer.status}: ${text.slice(0, 300)}`);
    }
    // Warmed alike (compiled code, open pool connections) before any round counts.
    for (const target of targets)
      await signedLoad({
        origin: target.origin,
        rpc: target.path,
        body: target.body,
        secret: options.secret,
        seconds: 1,
        expectedRps: 3000,
      });
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(i + round) % targets.length] as (typeof targets)[number];
        const before = target.cpuUs();
        const result = await signedLoad({
          origin: target.origin,
          rpc: target.path,
          body: target.body,
          secret: options.secret,
          seconds: options.seconds,
          expectedRps: 3000,
        });
        rounds.get(target.name)?.push({
          rps: Math.round(result.requests.average),
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          serverCpuUs: Math.round((target.cpuUs() - before) / Math.max(1, result.requests.total)),
        });
      }
    }
  } finally {
    await Promise.all([silo.stop(), ...servers.map((server) => server.stop())]);
  }
  const ratios = (baseline: Target) =>
    ratioSpread(rounds.get("silo") ?? [], rounds.get(baseline) ?? []);
  const report = (name: Target) => summarize(rounds.get(name) ?? []);

  const db = await createDb(urls.silo, { migrate: false, poolSize: 1 });
  try {
    const prisma = await timeQuery(() =>
      db.organization.findFirst({
        where: { slug: ARGS.slug },
        select: { id: true, slug: true, name: true, status: true, createdAt: true },
      }),
    );
    // The SQL Prisma sends for that findFirst (its query log), without the query compiler, then
    // through pg alone (PostgreSQL): the database's own time with the round trip.
    const sql = `SELECT "public"."organizations"."id", "public"."organizations"."slug", "public"."organizations"."name", "public"."organizations"."status"::text, "public"."organizations"."created_at" FROM "public"."organizations" WHERE "public"."organizations"."slug" = $1 LIMIT $2 OFFSET $3`;
    const raw = await timeQuery(() => db.$queryRawUnsafe(sql, ARGS.slug, 1, 0));
    let driver: DemoMethodReport["driver"];
    if (database === "PostgreSQL") {
      const client = new pg.Client({ connectionString: urls.silo });
      await client.connect();
      try {
        driver = await timeQuery(() => client.query(sql, [ARGS.slug, 1, 0]));
      } finally {
        await client.end();
      }
    }
    return {
      database,
      targets: { silo: report("silo"), trpc: report("trpc"), bare: report("bare") },
      vsTrpc: ratios("trpc"),
      vsBare: ratios("bare"),
      prisma,
      raw,
      driver,
    };
  } finally {
    await db.$disconnect();
  }
}

/** On PostgreSQL when a server is named, else on PGlite in a temporary directory. */
export async function demoMethodRow(options: {
  readonly rounds: number;
  readonly seconds: number;
  readonly secret: string;
  readonly postgresServer: string | undefined;
}): Promise<DemoMethodReport> {
  buildSilo();
  if (options.postgresServer !== undefined)
    return withPostgresDatabases(
      options.postgresServer,
      "bench_demo_method",
      ["us"],
      async (urlOf) => {
        const url = urlOf("us");
        await seedRegion(url);
        return measure({ silo: url, trpc: url, bare: url }, "PostgreSQL", options);
      },
    );
  // An embedded database is one process's: each target gets a copy of the seeded directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-demo-method-"));
  try {
    const urls = {
      silo: path.join(dir, "silo"),
      trpc: path.join(dir, "trpc"),
      bare: path.join(dir, "bare"),
    };
    await seedRegion(urls.silo);
    fs.cpSync(urls.silo, urls.trpc, { recursive: true });
    fs.cpSync(urls.silo, urls.bare, { recursive: true });
    return await measure(urls, "PGlite", options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
