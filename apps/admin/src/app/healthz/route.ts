import { getSilo } from "@/server/silo.ts";

// Readiness, open without a login (it says no more than up or not): 200 once the silo runtime
// is ready (in MONOLITH, the embedded database opened, migrated and seeded), else 503. The
// first request starts the runtime, so a probe also warms the app up before anyone visits.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const { runtime } = await getSilo();
    return Response.json({ status: "ok", mode: runtime.config.mode });
  } catch (error) {
    console.error("healthz: the silo runtime is not ready:", error);
    return Response.json({ status: "unavailable" }, { status: 503 });
  }
}
