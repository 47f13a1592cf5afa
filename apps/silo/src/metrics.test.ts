// SiloMetrics: label sets stay bounded whatever names callers make up.
import type { CallEvent } from "@acme/rpc";
import { describe, expect, it } from "vitest";
import { SiloMetrics } from "./metrics.ts";
import type { OutboxReading } from "./outbox-status.ts";

const served = async (metrics: SiloMetrics) =>
  (await metrics.registry.getSingleMetric("rpc_server_requests_total")?.get())?.values ?? [];
const made = async (metrics: SiloMetrics) =>
  (await metrics.registry.getSingleMetric("rpc_client_calls_total")?.get())?.values ?? [];

describe("SiloMetrics", () => {
  it("counts served requests by method and status, beyond the bound as other", async () => {
    const metrics = new SiloMetrics({ silo: "test" }, { maxLabelSets: 10 });
    for (let i = 0; i < 500; i++) {
      metrics.served({ service: `service${i}`, method: `method${i}` }, 200 + (i % 3), 0.001);
    }
    expect(metrics.labelSets.served).toBe(10 + 3);
    const values = await served(metrics);
    // 10 named label sets, and `other` once per status.
    expect(values.length).toBe(13);
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(500);
    const other = values.filter((v) => v.labels.service === "other");
    expect(other.reduce((sum, v) => sum + v.value, 0)).toBe(490);
    expect(values.find((v) => v.labels.service === "service0")?.value).toBe(1);
  });

  it("counts calls made by path, beyond the bound as other", async () => {
    const metrics = new SiloMetrics({ silo: "test" }, { maxLabelSets: 10 });
    for (let i = 0; i < 500; i++) {
      const event: CallEvent = {
        path: `service${i}.method${i}`,
        route: { kind: "local" },
        durationMs: 1,
        outcome: i % 2 === 0 ? "OK" : "NOT_FOUND",
      };
      metrics.made(event);
    }
    expect(metrics.labelSets.made).toBe(10);
    const values = await made(metrics);
    expect(values.length).toBe(12);
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(500);
  });
});

describe("SiloMetrics outboxes", () => {
  const row = (category: string, waiting: number, oldestAgeSeconds: number, regionName = "") => ({
    category,
    regionName,
    waiting,
    shards: 1,
    oldestCreatedAt: new Date(),
    oldestAgeSeconds,
    failing: 0,
    lastError: null,
  });
  const gauge = async (metrics: SiloMetrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];

  it("reads the backlog on each scrape; an emptied label set reads 0; past the bound, other", async () => {
    const metrics = new SiloMetrics({ silo: "test" }, { maxLabelSets: 2 });
    let readings: OutboxReading[] = [
      {
        outbox: "control",
        rows: [row("a.b", 3, 10, "us"), row("a.b", 1, 5, "eu"), row("c.d", 2, 30, "eu")],
      },
      { outbox: "region", rows: [row("e.f", 4, 7)] },
    ];
    metrics.watchOutboxes(async () => readings);

    const waiting = await gauge(metrics, "outbox_messages_waiting");
    expect(
      waiting.map((v) => [v.labels.outbox, v.labels.category, v.labels.region, v.value]),
    ).toEqual([
      ["control", "a.b", "us", 3],
      ["control", "a.b", "eu", 1],
      ["control", "other", "other", 2],
      ["region", "other", "other", 4],
    ]);
    const age = await gauge(metrics, "outbox_oldest_message_age_seconds");
    expect(
      age.find((v) => v.labels.category === "other" && v.labels.outbox === "control")?.value,
    ).toBe(30);

    // Control's outbox emptied, the region's unreadable: 0 for the one, nothing for the other.
    readings = [
      { outbox: "control", rows: [] },
      { outbox: "region", error: "timed out after 1000 ms" },
    ];
    const emptied = await gauge(metrics, "outbox_messages_waiting");
    expect(emptied.map((v) => [v.labels.outbox, v.value])).toEqual([
      ["control", 0],
      ["control", 0],
      ["control", 0],
    ]);
  });

  it("counts deliveries and failures by outbox and category, beyond the bound as other", async () => {
    const metrics = new SiloMetrics({ silo: "test" }, { maxLabelSets: 2 });
    for (let i = 0; i < 10; i++) metrics.outboxDelivered("region", `area.event${i % 5}`);
    metrics.outboxFailed("control", "area.event0");
    const delivered = await gauge(metrics, "outbox_messages_delivered_total");
    expect(delivered.map((v) => [v.labels.category, v.value])).toEqual([
      ["area.event0", 2],
      ["area.event1", 2],
      ["other", 6],
    ]);
    expect((await gauge(metrics, "outbox_delivery_failures_total"))[0]).toMatchObject({
      labels: { outbox: "control", category: "other" },
      value: 1,
    });
  });
});
