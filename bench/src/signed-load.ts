// Load for one silo endpoint from this process (autocannon, 32 connections): every request
// signed ahead, each with its own nonce, so the load generator only sends. A pool that runs out
// is topped up by signing during the load (a nonce is never sent twice). Used by the profile and
// the demo method's row; run.ts's alternating rounds keep pools of their own per round.
import { signRequest } from "@acme/rpc";
import autocannon from "autocannon";

export function signedLoad(options: {
  /** The server's address (`http://127.0.0.1:<port>`). */
  readonly origin: string;
  /** The RPC path that is signed; `target` is where the request goes (default the same). */
  readonly rpc: string;
  readonly target?: string;
  readonly body: Buffer;
  readonly secret: string;
  readonly seconds: number;
  /** Requests per second expected: the pool signed ahead holds that many for `seconds`. */
  readonly expectedRps: number;
}): Promise<autocannon.Result> {
  const sign = () => signRequest(options.secret, options.rpc, options.body, { budgetMs: 5000 });
  const pool = Array.from({ length: options.expectedRps * options.seconds }, sign);
  let next = 0;
  const target = options.target ?? options.rpc;
  return autocannon({
    url: `${options.origin}${target}`,
    connections: 32,
    duration: options.seconds,
    requests: [
      {
        method: "POST",
        path: target,
        body: options.body.toString(),
        setupRequest: (request) => ({
          ...request,
          headers: { "content-type": "application/json", ...(pool[next++] ?? sign()) },
        }),
      },
    ],
  });
}
