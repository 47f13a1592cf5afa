// Outbox delivery between two silo processes (issue 13): a control silo and an eu silo on their
// own PGlite databases. How long after eu answers an update control's mapping shows it, and how
// many updates per second flow through eu's outbox, against the same updates written straight
// to control by RPC (what createOrganization did before the outbox) in the same run.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db";
import { createAppRuntime } from "@acme/services/runtime";
import { Topology } from "@acme/silo/topology";

export interface OutboxReport {
  readonly visibleAfterAnswer: { p50Ms: number; p99Ms: number; samples: number };
  readonly throughput: {
    readonly updatesPerS: number;
    readonly deliveriesPerS: number;
    /** Until eu's outbox was empty, after the last update was answered. */
    readonly drainedAfterMs: number;
    readonly directUpsertsPerS: number;
    readonly ratio: number;
  };
  readonly settings: { workers: number; organizations: number; durationS: number };
}

const percentile = (sorted: number[], p: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 10) / 10;

export async function outboxSection({ quick }: { quick: boolean }): Promise<OutboxReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-outbox-"));
  const secret = randomBytes(24).toString("hex");
  const topology = new Topology({
    regions: ["eu"],
    databases: (name) => path.join(dir, name),
    secret,
    logLevel: "warn",
  });
  const erin = demoData.users.find((u) => u.email === "erin@example.com")?.id as string;
  const workers = 16;
  const organizations = 32;
  const durationS = quick ? 3 : 8;
  try {
    await topology.start();
    const { client } = createAppRuntime({ config: topology.clientConfig() });
    const eu = { context: { region: "eu" } };
    const orgs: string[] = [];
    for (let i = 0; i < organizations; i++) {
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

    // 1. From eu's answer to control's mapping showing the change (sequential updates).
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

    // 2. Updates through eu's outbox, and the same updates straight to control, `workers` at once.
    const run = async (write: (organizationId: string, name: string) => Promise<unknown>) => {
      let count = 0;
      const until = performance.now() + durationS * 1000;
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let i = w; performance.now() < until; i += workers) {
            await write(orgs[i % orgs.length] as string, `Load ${w}-${i}`);
            count++;
          }
        }),
      );
      return count / durationS;
    };
    const before = (await delivered()).delivered;
    const started = performance.now();
    const updatesPerS = await run((organizationId, name) =>
      client.organization.updateOrganization.mutate({ organizationId, name }, eu),
    );
    const answeredAt = performance.now();
    await drained();
    const drainedAfterMs = Math.round(performance.now() - answeredAt);
    const deliveriesPerS =
      ((await delivered()).delivered - before) / ((performance.now() - started) / 1000);
    const directUpsertsPerS = await run((organizationId, name) =>
      client.organizationMapping.upsert.mutate({
        organizationId,
        slug: `bench-${orgs.indexOf(organizationId)}`,
        name,
        regionName: "eu",
      }),
    );
    return {
      visibleAfterAnswer: {
        p50Ms: percentile(samples, 0.5),
        p99Ms: percentile(samples, 0.99),
        samples: samples.length,
      },
      throughput: {
        updatesPerS: Math.round(updatesPerS),
        deliveriesPerS: Math.round(deliveriesPerS),
        drainedAfterMs,
        directUpsertsPerS: Math.round(directUpsertsPerS),
        ratio: Math.round((updatesPerS / directUpsertsPerS) * 100) / 100,
      },
      settings: { workers, organizations, durationS },
    };
  } finally {
    await topology.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function outboxRows(report: OutboxReport): string[] {
  const t = report.throughput;
  const v = report.visibleAfterAnswer;
  return [
    "",
    `outbox, control and eu silo processes on PGlite (${report.settings.workers} callers, ${report.settings.organizations} organizations):`,
    `  control sees an update after eu answered it: p50 ${v.p50Ms} ms, p99 ${v.p99Ms} ms (${v.samples} sequential updates)`,
    `  updates through eu's outbox: ${t.updatesPerS}/s answered, ${t.deliveriesPerS}/s delivered to control (the rest coalesced), outbox empty ${t.drainedAfterMs} ms after the last answer`,
    `  baseline, the same updates as direct RPC upserts on control: ${t.directUpsertsPerS}/s (outbox path ${t.ratio}x)`,
  ];
}
