// Small network probes for whatever starts silos and their neighbours (Topology, the load
// balancer, the benchmarks, the tests): a free port, a silo's /healthz, a Redis PING. Nothing
// here throws for a peer that is not there yet: a probe answers "not there" and the caller waits.
import net from "node:net";

/** A loopback port nobody listens on right now (also: an address where nothing answers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a silo's GET /healthz answered (any status: 503 is an answer too). */
export interface HealthAnswer {
  readonly status: number;
  readonly body: {
    readonly status?: unknown;
    readonly mode?: unknown;
    readonly region?: unknown;
    readonly [field: string]: unknown;
  };
}

/**
 * GET `<url>/healthz`; undefined when nothing answers within `timeoutMs`. Any HTTP answer counts
 * (a balancer with no replica up answers 503): a body that is not a JSON object reads as `{}`.
 */
export async function healthz(url: string, timeoutMs = 1000): Promise<HealthAnswer | undefined> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: HealthAnswer["body"] = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null) body = parsed as HealthAnswer["body"];
    } catch {
      // Not a silo's answer: it answered all the same.
    }
    return { status: response.status, body };
  } catch {
    return undefined;
  }
}

/** Whether a Redis answers PING at `url` (redis://host:port) within `timeoutMs`. */
export function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
