// Live health of the silos this admin talks to: GET <address>/healthz, with a 1 s timeout.
import { z } from "zod";

/** The fields of a silo's /healthz body the admin shows; anything else is ignored. */
const HealthBody = z
  .object({
    status: z.string(),
    mode: z.string(),
    region: z.string().nullable(),
    version: z.string(),
    database: z.object({ ok: z.boolean(), latencyMs: z.number().nullable().optional() }),
  })
  .partial();

export type SiloHealth =
  | {
      readonly reachable: true;
      readonly httpStatus: number;
      readonly body: z.output<typeof HealthBody> | null;
      readonly latencyMs: number;
    }
  | { readonly reachable: false; readonly reason: string; readonly latencyMs: number };

const TIMEOUT_MS = 1000;

export async function checkHealth(address: string): Promise<SiloHealth> {
  const started = performance.now();
  const url = `${address.replace(/\/+$/, "")}/healthz`;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      cache: "no-store",
    });
    const parsed = HealthBody.safeParse(await response.json().catch(() => null));
    return {
      reachable: true,
      httpStatus: response.status,
      body: parsed.success ? parsed.data : null,
      latencyMs: performance.now() - started,
    };
  } catch (error) {
    const latencyMs = performance.now() - started;
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      return { reachable: false, reason: `no answer within ${TIMEOUT_MS} ms`, latencyMs };
    // undici reports the socket error (ECONNREFUSED, ENOTFOUND, ...) as the cause.
    const cause =
      error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    return { reachable: false, reason: cause?.code ?? String(error), latencyMs };
  }
}
