// SiloMetrics: label sets stay bounded whatever names callers make up.
import type { CallEvent } from "@acme/rpc";
import { describe, expect, it } from "vitest";
import { SiloMetrics } from "./metrics.ts";

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
