// A demo service's method over the wire, not the benchmark's echo: organization.getOrgBySlug on
// the built silo (apps/silo/dist, REGION us) whose database holds the demo data, under the same
// load as the endpoint rounds (32 connections, pre-signed requests). The database's own time is
// measured apart: the same Prisma query, one at a time, from this process once the silo stopped
// (an embedded database is one process's at a time).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@acme/db";
import { rpcPath } from "@acme/rpc";
import type autocannon from "autocannon";
import { withPostgresDatabases } from "./databases.ts";
import { signedLoad } from "./signed-load.ts";
import {
  buildSilo,
  procCpuUs,
  regionSiloEnv,
  SILO_DIST,
  seedRegion,
  startMeasured,
} from "./silo-process.ts";

export interface DemoMethodReport {
  readonly database: "PostgreSQL" | "PGlite";
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** The silo process's CPU per request (its clock ticks), µs. */
  readonly serverCpuUs: number;
  /** The query alone (Prisma, one at a time, from this process): mean and p50, µs. */
  readonly queryMeanUs: number;
  readonly queryP50Us: number;
}

async function measure(
  databaseUrl: string,
  database: DemoMethodReport["database"],
  options: { readonly seconds: number; readonly secret: string },
): Promise<DemoMethodReport> {
  await seedRegion(databaseUrl);
  const silo = await startMeasured({
    args: [SILO_DIST],
    env: regionSiloEnv({ secret: options.secret, databaseUrl }),
  });
  let load: autocannon.Result;
  let serverCpuUs: number;
  try {
    const pid = silo.child.pid as number;
    const before = procCpuUs(pid);
    load = await signedLoad({
      origin: silo.url,
      rpc: rpcPath("organization", "getOrgBySlug"),
      body: Buffer.from(JSON.stringify({ args: { slug: "acme" }, meta: {} })),
      secret: options.secret,
      seconds: options.seconds,
      expectedRps: 15_000,
    });
    serverCpuUs = Math.round((procCpuUs(pid) - before) / Math.max(1, load.requests.total));
  } finally {
    await silo.stop();
  }
  const db = await createDb(databaseUrl, { migrate: false, poolSize: 1 });
  const samples: number[] = [];
  try {
    const query = () =>
      db.organization.findFirst({
        where: { slug: "acme" },
        select: { id: true, slug: true, name: true, status: true, createdAt: true },
      });
    for (let i = 0; i < 200; i++) await query();
    for (let i = 0; i < 2000; i++) {
      const started = process.hrtime.bigint();
      await query();
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  } finally {
    await db.$disconnect();
  }
  samples.sort((a, b) => a - b);
  return {
    database,
    rps: Math.round(load.requests.average),
    p50Ms: load.latency.p50,
    p99Ms: load.latency.p99,
    non2xx: load.non2xx,
    errors: load.errors,
    serverCpuUs,
    queryMeanUs: Math.round(samples.reduce((a, b) => a + b, 0) / samples.length),
    queryP50Us: Math.round(samples[Math.floor(samples.length / 2)] ?? 0),
  };
}

/** On PostgreSQL when a server is named, else on PGlite in a temporary directory. */
export async function demoMethodRow(options: {
  readonly seconds: number;
  readonly secret: string;
  readonly postgresServer: string | undefined;
}): Promise<DemoMethodReport> {
  buildSilo();
  if (options.postgresServer !== undefined)
    return withPostgresDatabases(options.postgresServer, "bench_demo_method", ["us"], (urlOf) =>
      measure(urlOf("us"), "PostgreSQL", options),
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-demo-method-"));
  try {
    return await measure(path.join(dir, "us"), "PGlite", options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
