import type { Metadata } from "next";
import { checkHealth, type SiloHealth } from "@/server/health.ts";
import { getSilo } from "@/server/silo.ts";

export const metadata: Metadata = { title: "Regions" };
// Reads the runtime's configuration and asks each silo for its health on every request.
export const dynamic = "force-dynamic";

function HealthCell({ health }: { health: SiloHealth | null }) {
  if (health === null) return <span className="muted">in this process</span>;
  if (!health.reachable)
    return (
      <span className="badge error" title={`after ${health.latencyMs.toFixed(0)} ms`}>
        unreachable: {health.reason}
      </span>
    );
  const ok = health.httpStatus === 200 && health.body?.status === "ok";
  return (
    <>
      <span className={`badge ${ok ? "ok" : "error"}`}>
        {health.body?.status ?? "?"} (HTTP {health.httpStatus})
      </span>{" "}
      <span className="muted">
        {health.latencyMs.toFixed(0)} ms
        {health.body?.mode !== undefined && `, ${health.body.mode}`}
        {health.body?.version !== undefined && `, v${health.body.version}`}
        {health.body?.database !== undefined &&
          `, database ${health.body.database.ok ? "ok" : "DOWN"}`}
      </span>
    </>
  );
}

export default async function RegionsPage() {
  const { runtime } = await getSilo();
  const { config } = runtime;
  const [control, ...regions] = await Promise.all([
    config.controlAddress === undefined ? null : checkHealth(config.controlAddress),
    ...config.regions.map((region) =>
      region.address === undefined ? null : checkHealth(region.address),
    ),
  ]);
  return (
    <>
      <h1>Regions</h1>
      <p className="lead">
        This admin runs as <span className="badge">{config.mode}</span>
        {config.mode === "MONOLITH"
          ? ": every service runs in this process, on its own database, whatever the region."
          : ": a client of the silos below; every call goes over the wire to the silo that owns it."}
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Silo</th>
            <th scope="col">Category</th>
            <th scope="col">Address</th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {config.controlAddress !== undefined && (
            <tr>
              <td>
                <strong>control</strong>
              </td>
              <td>—</td>
              <td>
                <code>{config.controlAddress}</code>
              </td>
              <td>
                <HealthCell health={control ?? null} />
              </td>
            </tr>
          )}
          {config.regions.map((region, index) => (
            <tr key={region.name}>
              <td>
                <strong>{region.name}</strong>
              </td>
              <td>{region.category}</td>
              <td>{region.address ? <code>{region.address}</code> : "—"}</td>
              <td>
                <HealthCell health={regions[index] ?? null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {config.regions.length === 0 && <p className="muted">No region is configured.</p>}
    </>
  );
}
