// The admin app's silo runtime: created once per process, on first use. Server-only: it opens the
// database (MONOLITH) or signs requests with the shared secret (CONTROL), so no client component
// may import it.
import { AsyncLocalStorage } from "node:async_hooks";
import { repoRoot } from "@acme/config";
import {
  createDb,
  type Db,
  describeDb,
  describeOpening,
  MONOLITH_SEED_SCOPE,
  seedDemoData,
} from "@acme/db";
import type { CallEvent } from "@acme/rpc";
import { type AppRuntime, createAppRuntime } from "@acme/services/runtime";
import { type AdminSettings, loadAdminSettings } from "./env.ts";

/** One HTTP request the runtime sent to another silo, with its signature redacted. */
export interface WireRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the calls made inside `recordCalls` did: each call's event, and each request sent. */
export interface CallRecord {
  readonly events: CallEvent[];
  readonly requests: WireRequest[];
}

export interface AdminSilo extends AppRuntime {
  readonly settings: AdminSettings;
  /** This process's database: MONOLITH only. A CONTROL admin is a client of the silos. */
  readonly db: Db | undefined;
  /** The most recent calls made through the runtime, newest first (at most 50). */
  readonly recentCalls: readonly CallEvent[];
  /** Stops the outbox drains (deliveries in flight finish), then closes the database. */
  close(): Promise<void>;
}

// Process-wide state is kept on globalThis: Next may load this module more than once in one
// process (each route is bundled on its own, and development re-evaluates modules on every
// edit), and every copy must share one runtime, hence one database, and one recording.
const SHARED = Symbol.for("@acme/admin/silo");
const shared = globalThis as typeof globalThis & {
  [SHARED]?: { silo?: Promise<AdminSilo>; recording: AsyncLocalStorage<CallRecord> };
};
shared[SHARED] ??= { recording: new AsyncLocalStorage<CallRecord>() };
const state = shared[SHARED];
const recording = state.recording;
const RECENT_CALLS = 50;

/** Runs `work` and returns, with its outcome, every call it made and every request it sent. */
export async function recordCalls<T>(
  work: () => Promise<T>,
): Promise<{ record: CallRecord } & ({ ok: true; value: T } | { ok: false; error: unknown })> {
  const record: CallRecord = { events: [], requests: [] };
  try {
    const value = await recording.run(record, work);
    return { record, ok: true, value };
  } catch (error) {
    return { record, ok: false, error };
  }
}

function redactHeaders(headers: RequestInit["headers"]): Record<string, string> {
  const redacted: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    redacted[name] = name === "authorization" ? value.replace(/:.*$/, ":<redacted>") : value;
  });
  return redacted;
}

function bodyText(body: RequestInit["body"]): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return body == null ? "" : "(a stream)";
}

/** The global fetch, noting each request in the current recording (if any) before sending it. */
const recordingFetch: typeof fetch = (input, init) => {
  const store = recording.getStore();
  if (store !== undefined) {
    const url = input instanceof Request ? input.url : String(input);
    store.requests.push({
      method: init?.method ?? "GET",
      url,
      path: new URL(url).pathname,
      headers: redactHeaders(init?.headers),
      body: bodyText(init?.body),
    });
  }
  return fetch(input, init);
};

/**
 * Opens the admin's runtime as `settings` say. In MONOLITH it opens, migrates and seeds its
 * database and sweeps its outboxes; `closeOnSignal` (the server's) closes it all on SIGINT or
 * SIGTERM from the moment the database is open.
 */
export async function createAdminSilo(
  settings: AdminSettings = loadAdminSettings(),
  { closeOnSignal = true }: { closeOnSignal?: boolean } = {},
): Promise<AdminSilo> {
  const { env, config } = settings;
  const recentCalls: CallEvent[] = [];
  const onCall = (event: CallEvent) => {
    recording.getStore()?.events.push(event);
    recentCalls.unshift(event);
    recentCalls.length = Math.min(recentCalls.length, RECENT_CALLS);
  };
  const started = performance.now();
  if (env.SILO_MODE === "CONTROL") {
    // A client of a multi-silo deployment: no database, every call goes over the wire.
    const app = createAppRuntime({ config, fetch: recordingFetch, onCall });
    console.log(
      `admin: CONTROL client of ${config.controlAddress ?? "?"} and regions ` +
        `${config.regions.map((region) => `${region.name} (${region.address ?? "?"})`).join(", ")}; no database`,
    );
    return { ...app, settings, db: undefined, recentCalls, close: async () => {} };
  }
  const db = await createDb(env.DATABASE_URL, { cwd: repoRoot });
  let outbox: AppRuntime["outbox"];
  let closed: Promise<void> | undefined;
  // The drains first: a delivery in flight still writes to the database.
  const close = () => {
    closed ??= Promise.all((outbox?.drains ?? []).map((drain) => drain.stop())).then(() =>
      db.$disconnect(),
    );
    return closed;
  };
  if (closeOnSignal) closeOnExit(close);
  const seeded = env.SEED_DEMO_DATA ? await seedDemoData(db, MONOLITH_SEED_SCOPE) : null;
  const app = createAppRuntime({ config, db, fetch: recordingFetch, onCall });
  outbox = app.outbox;
  // A message is delivered right after the commit that wrote it; the sweep delivers what that
  // left (a failed delivery, due again; a message of a process that stopped before delivering).
  if (closed === undefined) {
    for (const drain of outbox?.drains ?? []) drain.start(env.OUTBOX_SWEEP_MS);
  }
  console.log(
    `admin: MONOLITH on ${describeDb(db)}: ${describeOpening(db, seeded)}; ready in ` +
      `${Math.round(performance.now() - started)} ms`,
  );
  return { ...app, settings, db, recentCalls, close };
}

/**
 * An embedded database left open when the process exits may be damaged: on SIGINT or SIGTERM,
 * close it (its outbox drains first), then exit. Next's own signal handler would exit without
 * waiting for us, so the package scripts set NEXT_MANUAL_SIG_HANDLE=true, which leaves the
 * signals to this handler (before the database is first opened no handler is registered: the
 * signal simply ends the process). In-flight requests are cut short: acceptable for an admin tool.
 */
function closeOnExit(close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    close()
      .catch((error: unknown) => console.error("closing the database:", error))
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/**
 * The admin's runtime: the database opened, migrated and seeded. The server starts it as it
 * starts (instrumentation-node.ts), so the first call does not wait for the database; should
 * that fail, the next request tries again.
 */
export function getSilo(): Promise<AdminSilo> {
  let silo = state.silo;
  if (silo === undefined) {
    silo = createAdminSilo();
    state.silo = silo;
    // A failed start (wrong environment, database in use) is retried by the next request.
    silo.catch(() => {
      if (state.silo === silo) delete state.silo;
    });
  }
  return silo;
}
