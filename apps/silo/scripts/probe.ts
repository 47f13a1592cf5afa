// A deployed silo, checked from outside: waits until /healthz answers 200 (printing how long
// that took), then makes one signed RPC call over the wire as another silo would, and one signed
// with a wrong secret, which must be refused. Used by deploy/check-image-steps.mjs against the
// built image; any CONTROL silo's URL works:
//   tsx apps/silo/scripts/probe.ts <url> <shared secret> [timeout seconds]
import { siloConfig } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";

const [url, secret, timeoutArg = "60"] = process.argv.slice(2);
if (url === undefined || secret === undefined) {
  console.error("usage: probe.ts <url> <shared secret> [timeout seconds]");
  process.exit(2);
}

const started = performance.now();
const deadline = Date.now() + Number(timeoutArg) * 1000;
let health: Response | undefined;
while (Date.now() < deadline) {
  health = await fetch(`${url}/healthz`).catch(() => undefined);
  if (health?.status === 200) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
if (health?.status !== 200) {
  console.error(
    `${url}/healthz did not answer 200 within ${timeoutArg} s (last: ${health?.status ?? "no answer"})`,
  );
  process.exit(1);
}
const body = (await health.json()) as { status: string; mode: string; database: { ok: boolean } };
console.log(
  `/healthz 200 after ${Math.round(performance.now() - started)} ms of probing: ${JSON.stringify(body)}`,
);

// Control owns the organization mappings: a client with no database of its own calls it, signed.
// No organization is assumed (an image starts without demo data): an unknown slug answers null.
// The same call signed with another secret must be refused, so the answer above was verified.
const clientSigningWith = (secrets: string[]) =>
  createAppRuntime({
    config: siloConfig({
      mode: "CONTROL",
      controlAddress: url,
      regions: [{ name: "us", address: "http://127.0.0.1:9" }],
      secrets,
    }),
  }).client;
const slug = `probe-no-such-organization-${process.pid}`;
const mapping = await clientSigningWith([secret]).organizationMapping.getBySlug.query({ slug });
if (mapping !== null) {
  console.error(`signed RPC organizationMapping.getBySlug answered ${JSON.stringify(mapping)}`);
  process.exit(1);
}
const refused = await clientSigningWith([`${secret}-not-this-one`])
  .organizationMapping.getBySlug.query({ slug })
  .then(
    () => undefined,
    (error: unknown) => {
      const { code, data } = (error ?? {}) as { code?: unknown; data?: { code?: unknown } };
      return typeof code === "string" ? code : (data?.code ?? String(error));
    },
  );
if (refused !== "UNAUTHORIZED") {
  console.error(`a call signed with another secret was not refused with UNAUTHORIZED: ${refused}`);
  process.exit(1);
}
console.log(
  "signed RPC organizationMapping.getBySlug answered null (no such slug); signed with another secret: UNAUTHORIZED",
);
