// Where a request's time goes in the silo endpoint under the benchmark's load: the bundled bench
// server (bench/dist/main.js, as run.ts runs it) under `node --cpu-prof`, loaded by autocannon in
// this process with signed requests for bench.echo, then every CPU sample after the load began
// is charged to the innermost frame that names a part of the request's work (its source file,
// found through the bundle's source map, or Node's own module), and reported per request.
// `npm run bench -- --profile` (run.ts); the table is in apps/silo/README.md.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { SourceMap } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { rpcPath } from "@acme/rpc";
import { SERVER } from "./server-process.ts";
import { ARGS } from "./service.ts";
import { signedLoad } from "./signed-load.ts";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface CpuProfile {
  readonly nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** A part of a request's work, and how to recognize its frames (source path or Node module). */
const PARTS: readonly [string, (frame: { name: string; source: string }) => boolean][] = [
  [
    "signature: HMAC and headers",
    (f) => f.source.endsWith("rpc/src/signing.ts") || f.source.includes("internal/crypto/hash"),
  ],
  ["replay check (nonce store)", (f) => f.source.endsWith("nonce-store.ts")],
  [
    "input and output validation (Zod)",
    (f) => f.source.includes("/zod/") || f.source.endsWith("rpc/src/input.ts"),
  ],
  ["metrics", (f) => f.source.includes("prom-client") || f.source.endsWith("silo/src/metrics.ts")],
  ["logging", (f) => f.source.includes("/pino")],
  [
    "request id and trace",
    (f) => f.source.endsWith("silo/src/trace.ts") || f.name === "randomUUID",
  ],
  [
    "deadline and abort signal",
    (f) => f.source.endsWith("rpc/src/deadline.ts") || f.source.includes("abort_controller"),
  ],
  [
    "async context (AsyncLocalStorage hooks)",
    (f) => f.source.includes("async_hooks") || f.source.includes("async_local_storage"),
  ],
  ["the method's handler", (f) => f.source.endsWith("bench/src/service.ts")],
  [
    "routing, registry, method call",
    (f) => /rpc\/src\/(runtime|registry|wire|service)\.ts$/.test(f.source),
  ],
  [
    "reading the body and headers",
    (f) =>
      f.name === "readBody" ||
      f.name === "requestHeaders" ||
      f.source.includes("streams/readable") ||
      f.source.includes("_http_incoming"),
  ],
  [
    "writing the answer (socket)",
    (f) =>
      /stream_base_commons|_http_outgoing|streams\/writable/.test(f.source) ||
      f.name === "writev" ||
      f.name === "writeGeneric",
  ],
  [
    "HTTP parsing and server",
    (f) => /_http_server|_http_common/.test(f.source) || f.name.startsWith("parserOn"),
  ],
  [
    "endpoint and adapter (JSON parse and stringify, checks, replies)",
    (f) =>
      /rpc\/src\/(endpoint|adapters\/node)\.ts$|silo\/src\/(server|turn-queue)\.ts$/.test(f.source),
  ],
];

export interface ProfileRow {
  readonly part: string;
  /** Share of the server's busy time. */
  readonly share: number;
  /** CPU per request, µs. */
  readonly us: number;
}
export interface ProfileReport extends Profiled {
  readonly loadAverage: readonly number[];
  readonly seconds: number;
  /** The baseline: a bare node:http server under the same load. */
  readonly bare: Profiled;
}

/** Frames of the bundle mapped to their TypeScript source; Node's own by module. */
function sourceOf(mapFile: string): (frame: CallFrame) => string {
  const map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8")));
  const bundle = path.basename(SERVER);
  return (frame) => {
    if (!frame.url.endsWith(bundle)) return frame.url;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
      originalSource?: string;
    };
    return entry.originalSource ?? frame.url;
  };
}

function analyze(
  profile: CpuProfile,
  source: (frame: CallFrame) => string,
  requests: number,
  /** A sample in the work under load: in the endpoint (silo), in node:http's server (bare). */
  marker: string,
) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const part = new Map<number, string>();
  const partOf = (id: number): string => {
    const known = part.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame as CallFrame;
    const name = frame.functionName;
    let found: string | undefined;
    if (name === "(garbage collector)") found = "garbage collection";
    else if (name === "(idle)") found = "(idle)";
    else {
      const described = { name, source: source(frame) };
      found = PARTS.find(([, matches]) => matches(described))?.[0];
    }
    const up = parent.get(id);
    const result = found ?? (up === undefined ? "other (V8, Node internals)" : partOf(up));
    part.set(id, result);
    return result;
  };
  const endpoint = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (source(byId.get(at)?.callFrame as CallFrame).endsWith(marker)) return true;
    return false;
  };
  // From the first sample in the endpoint to the last: the load, not the start-up or the stop.
  const inEndpoint = profile.samples.map(endpoint);
  const first = inEndpoint.indexOf(true);
  const last = inEndpoint.lastIndexOf(true);
  const time = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (let i = Math.max(first, 0); i <= last; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const name = partOf(profile.samples[i] as number);
    if (name === "(idle)") idle += delta;
    else {
      busy += delta;
      time.set(name, (time.get(name) ?? 0) + delta);
    }
  }
  const rows = [...time]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({
      part: name,
      share: Math.round((us / busy) * 1000) / 1000,
      us: Math.round((us / requests) * 10) / 10,
    }));
  return {
    rows,
    busyUsPerRequest: Math.round((busy / requests) * 10) / 10,
    idleShare: idle / (busy + idle),
  };
}

interface Profiled {
  readonly requests: number;
  readonly rps: number;
  readonly busyUsPerRequest: number;
  readonly idleShare: number;
  readonly rows: readonly ProfileRow[];
}

/**
 * The silo endpoint's profile, and beside it a bare node:http server's (the same requests, read
 * and answered with fixed JSON): what the HTTP work itself costs on this machine.
 */
export async function profileSection(options: {
  readonly seconds: number;
  readonly secret: string;
}): Promise<ProfileReport> {
  const silo = await profileOne("silo", options);
  const bare = await profileOne("bare", options);
  return {
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    seconds: options.seconds,
    ...silo,
    bare,
  };
}

async function profileOne(
  kind: "silo" | "bare",
  options: { readonly seconds: number; readonly secret: string },
): Promise<Profiled> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-profile-"));
  const child: ChildProcess = spawn(
    process.execPath,
    ["--cpu-prof", "--cpu-prof-dir", dir, SERVER, kind],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      readline
        .createInterface({ input: child.stdout as NodeJS.ReadableStream })
        .once("line", resolve);
      child.once("exit", (code) => reject(new Error(`the profiled server exited with ${code}`)));
    });
    const { port } = JSON.parse(line) as { port: number };
    const rpc = rpcPath("bench", "echo");
    // The bare server gets the same signed requests, at "/".
    const result = await signedLoad({
      origin: `http://127.0.0.1:${port}`,
      rpc,
      target: kind === "silo" ? rpc : "/",
      body: Buffer.from(JSON.stringify({ args: ARGS, meta: {} })),
      secret: options.secret,
      seconds: options.seconds,
      expectedRps: 25_000,
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    const file = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => path.join(dir, name))
      .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    if (file === undefined) throw new Error("the profiled server wrote no profile");
    const requests = result.requests.total;
    const analysis = analyze(
      JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile,
      sourceOf(`${SERVER}.map`),
      requests,
      kind === "silo" ? "rpc/src/endpoint.ts" : "node:_http_server",
    );
    return {
      requests,
      rps: Math.round(result.requests.average),
      ...analysis,
      idleShare: Math.round(analysis.idleShare * 100) / 100,
    };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function profileRows(report: ProfileReport): string[] {
  const bare = new Map(report.bare.rows.map((row) => [row.part, row.us]));
  return [
    `\nWhere a request's CPU goes: the bundled bench servers under node --cpu-prof, ${report.seconds} s each at 32 connections; load average ${report.loadAverage.join(" ")}.`,
    `silo: ${report.rps} req/s, ${report.busyUsPerRequest} µs busy per request (idle ${Math.round(report.idleShare * 100)}%); bare node:http: ${report.bare.rps} req/s, ${report.bare.busyUsPerRequest} µs (idle ${Math.round(report.bare.idleShare * 100)}%)\n`,
    `| ${"part of the work".padEnd(66)} | ${"share".padStart(6)} | ${"µs/request".padStart(10)} | ${"bare µs".padStart(7)} |`,
    `|${"-".repeat(68)}|${"-".repeat(8)}|${"-".repeat(12)}|${"-".repeat(9)}|`,
    ...report.rows.map(
      (row) =>
        `| ${row.part.padEnd(66)} | ${`${(row.share * 100).toFixed(1)}%`.padStart(6)} | ${String(row.us).padStart(10)} | ${String(bare.get(row.part) ?? "").padStart(7)} |`,
    ),
  ];
}
