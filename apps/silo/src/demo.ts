// npm run demo: against the topology of `npm run dev:multi` (started here, on temporary
// databases, if it is not running): create an organization in eu, read it by slug through the
// control silo's mapping, read a user from control, and show where each call went and how long it took.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { demoData } from "@acme/db";
import { type CallEvent, siloConfig } from "@acme/rpc";
import { createAppRuntime } from "@acme/services/runtime";
import { DEV_RPC_SECRET } from "./dev-multi-secret.ts";
import { Topology } from "./topology.ts";

const base = Number(process.env.MULTI_BASE_PORT ?? 8000);
const secret = process.env.RPC_SHARED_SECRET ?? DEV_RPC_SECRET;
const address = (offset: number) => `http://127.0.0.1:${base + offset}`;

async function running(): Promise<boolean> {
  try {
    return (await fetch(`${address(0)}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

let owned: Topology | undefined;
let config = siloConfig({
  mode: "CONTROL",
  controlAddress: address(0),
  regions: [
    { name: "us", address: address(1) },
    { name: "eu", address: address(2) },
  ],
  secrets: [secret],
});
if (!(await running())) {
  console.log(
    "No topology on port %d: starting one on temporary databases (npm run dev:multi keeps one running).",
    base,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "silo-demo-"));
  owned = await Topology.start({
    databases: (name) => path.join(dir, name),
    secret,
    logLevel: "warn",
  });
  config = owned.clientConfig();
}

const events: CallEvent[] = [];
const { client } = createAppRuntime({ config, onCall: (event) => events.push(event) });

async function step<T>(title: string, call: () => Promise<T>): Promise<T> {
  const from = events.length;
  const value = await call();
  console.log(`\n${title}`);
  for (const event of events.slice(from)) {
    const where =
      event.route.kind === "remote"
        ? `${event.route.silo.padEnd(12)} ${event.route.url}`
        : event.route.kind === "none"
          ? "nowhere (no mapping: null)"
          : "in process";
    console.log(
      `  ${event.path.padEnd(34)} -> ${where}  ${event.durationMs.toFixed(1).padStart(6)} ms  ${event.outcome}`,
    );
  }
  return value;
}

try {
  const alice = demoData.users[0] as { id: string; email: string };
  const slug = `demo-${Date.now().toString(36)}`;
  const created = await step(`1. organization.createOrganization in eu (slug ${slug})`, () =>
    client.organization.createOrganization.mutate({
      regionName: "eu",
      slug,
      name: "Demo Org",
      ownerUserId: alice.id,
    }),
  );
  // eu committed the organization with a message in its outbox; its drain records the mapping
  // in control right after the commit.
  const answered = performance.now();
  while (
    (await client.organizationMapping.getById.query({ organizationId: created.id })) === null
  ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  console.log(
    `   created ${created.id}; eu's outbox recorded its mapping in control ${Math.round(performance.now() - answered)} ms after the answer`,
  );
  const read = await step(
    "2. organization.getOrgBySlug: resolved through control's mapping, served by eu",
    () => client.organization.getOrgBySlug.query({ slug }),
  );
  if (read?.id !== created.id)
    throw new Error(`Read back ${JSON.stringify(read)}, not ${created.id}`);
  console.log(`   ${read.name} (the same organization)`);
  const from = events.length;
  await step("3. the same read again: the mapping is cached, one call", () =>
    client.organization.getOrgBySlug.query({ slug }),
  );
  if (events.length - from !== 1)
    throw new Error(`The cached read made ${events.length - from} calls`);
  const user = await step("4. user.getUser: a CONTROL service, served by control", () =>
    client.user.getUser.query({ userId: alice.id }),
  );
  console.log(`   ${user?.name} <${user?.email}>`);
} finally {
  await owned?.stop();
}
