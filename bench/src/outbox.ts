// Outbox delivery between two silo processes (issue 13): a control silo and an eu silo on their
// own databases (PGlite; PostgreSQL too when a server is given). How long after eu answers an update control's mapping shows it, and how
// many updates per second flow through eu's outbox, against the same updates written straight
// to control by RPC (what createOrganization did before the outbox) in the same run.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db";
import { createAppRuntime } from "@acme/services/runtime";
import { Topology } from "@acme/silo/topology";
import { withPostgresDatabases } from "./databases.ts";

export interface OutboxRun {
  /** "PGlite" or "PostgreSQL": the engine of both silos' databases. */
  readonly engine: string;
  readonly visibleAfterAnswer: { p50Ms: number; p99Ms: number; samples: number };
  readonly throughput: {
    readonly updatesPerS: number;
    /** Messages written and retired (delivered, or coalesced into a delivery) per second, end to end. */
    readonly messagesPerS: number;
    readonly deliveriesPerS: number;
    /** Until eu's outbox was empty, after the last update was answered. */
    readonly drainedAfterMs: number;
    readonly directUpsertsPerS: number;
    readonly ratio: number;
  };
}

export interface OutboxReport {
  readonly runs: OutboxRun[];
  readonly skipped: string[];
  readonly loadAverage: number[];
  readonly settings: { workers: number; organizations: number; durationS: number };
}

const percentile = (sorted: number[], p: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 10) / 10;

const WORKERS = 16;
const ORGANIZATIONS = 32;

export async function outboxSection({
  quick,
  postgresServer,
}: {
  quick: boolean;
  /** A PostgreSQL server to measure on too (two databases are created there and dropped). */
  postgresServer: string | undefined;
}): Promise<OutboxReport> {
  const durationS = quick ? 3 : 8;
  const runs: OutboxRun[] = [];
  const skipped: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-outbox-"));
  try {
    runs.push(await measure("PGlite", (name) => path.join(dir, name), { quick, durationS }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (postgresServer === undefined) {
    skipped.push(
      "PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a server to measure it",
    );
  } else {
    runs.push(
      await withPostgresDatabases(postgresServer, "bench_outbox", ["control", "eu"], (urlOf) =>
        measure("PostgreSQL", urlOf, { quick, durationS }),
      ),
    );
  }
  return {
    runs,
    skipped,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    settings: { workers: WORKERS, organizations: ORGANIZATIONS, durationS },
  };
}

async function measure(
  engine: string,
  databases: (silo: string) => string,
  { quick, durationS }: { quick: boolean; durationS: number },
): Promise<OutboxRun> {
  const secret = randomBytes(24).toString("hex");
  const topology = new Topology({ regions: ["eu"], databases, secret, logLevel: "warn" });
  const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
  try {
    await topology.start();
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    const eu = { context: { region: "eu" } };
    const orgs: string[] = [];
    for (let i = 0; i < ORGANIZATIONS; i++) {
      const org = await client.organization.createOrganization.mutate({
        regionName: "eu",
        slug: `bench-${i}`,
        name: `Bench ${i}`,
        ownerUserId: erin,
      });
      orgs.push(org.id);
    }
    const delivered = async () => {
      const text = await (await fetch(`${topology.url("eu")}/metrics`)).text();
      const sum = (name: string) =>
        text
          .split("\n")
          .filter((line) => line.startsWith(name))
          .reduce((total, line) => total + Number(line.split(" ").at(-1)), 0);
      return {
        delivered: sum("outbox_messages_delivered_total"),
        waiting: sum("outbox_messages_waiting"),
      };
    };
    const drained = async () => {
      while ((await delivered()).waiting > 0) await new Promise((r) => setTimeout(r, 5));
    };
    await drained();

    // 1. From eu's answer (its transaction has committed) to control's mapping showing the
    // change, one update at a time.
    const samples: number[] = [];
    const n = quick ? 40 : 150;
    for (let i = 0; i < n; i++) {
      const organizationId = orgs[i % orgs.length] as string;
      const name = `Latency ${i}`;
      await client.organization.updateOrganization.mutate({ organizationId, name }, eu);
      const answered = performance.now();
      while ((await client.organizationMapping.getById.query({ organizationId }))?.name !== name) {
        // Polls control as fast as it answers (about a millisecond a call).
      }
      samples.push(performance.now() - answered);
    }
    samples.sort((a, b) => a - b);

    // 2. Updates through eu's outbox, and the same updates straight to control, WORKERS at once.
    const run = async (write: (organizationId: string, name: string) => Promise<unknown>) => {
      let count = 0;
      const until = performance.now() + durationS * 1000;
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          for (let i = w; performance.now() < until; i += WORKERS) {
            await write(orgs[i % orgs.length] as string, `Load ${w}-${i}`);
            count++;
          }
        }),
      );
      return count;
    };
    const before = (await delivered()).delivered;
    const started = performance.now();
    const updates = await run((organizationId, name) =>
      client.organization.updateOrganization.mutate({ organizationId, name }, eu),
    );
    const answeredAt = performance.now();
    await drained();
    const drainedAt = performance.now();
    const endToEndS = (drainedAt - started) / 1000;
    const deliveries = (await delivered()).delivered - before;
    const directUpserts = await run((organizationId, name) =>
      client.organizationMapping.upsert.mutate({
        organizationId,
        slug: `bench-${orgs.indexOf(organizationId)}`,
        name,
        regionName: "eu",
      }),
    );
    return {
      engine,
      visibleAfterAnswer: {
        p50Ms: percentile(samples, 0.5),
        p99Ms: percentile(samples, 0.99),
        samples: samples.length,
      },
      throughput: {
        updatesPerS: Math.round(updates / durationS),
        messagesPerS: Math.round(updates / endToEndS),
        deliveriesPerS: Math.round(deliveries / endToEndS),
        drainedAfterMs: Math.round(drainedAt - answeredAt),
        directUpsertsPerS: Math.round(directUpserts / durationS),
        ratio: Math.round((updates / directUpserts) * 100) / 100,
      },
    };
  } finally {
    await topology.stop();
  }
}

export function outboxRows(report: OutboxReport): string[] {
  const { workers, organizations } = report.settings;
  const rows = [
    "",
    `outbox, a control and an eu silo process (${workers} callers, ${organizations} organizations; load average ${report.loadAverage.join(" ")}):`,
  ];
  for (const { engine, throughput: t, visibleAfterAnswer: v } of report.runs) {
    rows.push(
      `  ${engine}: control sees an update after eu answered it: p50 ${v.p50Ms} ms, p99 ${v.p99Ms} ms (${v.samples} sequential updates)`,
      `  ${engine}: ${t.updatesPerS} updates/s answered; ${t.messagesPerS} messages/s end to end until eu's outbox was empty (${t.deliveriesPerS} deliveries/s, the rest coalesced; empty ${t.drainedAfterMs} ms after the last answer)`,
      `  ${engine}: baseline, the same updates as direct RPC upserts on control: ${t.directUpsertsPerS}/s (outbox path ${t.ratio}x)`,
    );
  }
  for (const line of report.skipped) rows.push(`  skipped: ${line}`);
  return rows;
}
