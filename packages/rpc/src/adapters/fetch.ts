// Fetch adapter: for Next.js Route Handlers and any server that speaks Request and Response.
import { payloadTooLarge, type RpcEndpoint } from "../endpoint.ts";

export function fetchRpcHandler(endpoint: RpcEndpoint): (request: Request) => Promise<Response> {
  return async (request) => {
    const body = await readBody(request, endpoint.maxBodyBytes);
    const result =
      body === null
        ? payloadTooLarge(endpoint.maxBodyBytes)
        : await endpoint({
            method: request.method,
            path: new URL(request.url).pathname,
            header: (name) => request.headers.get(name) ?? undefined,
            body,
            // Aborted when the client disconnects (Next.js, undici servers, an in-process fetch).
            signal: request.signal,
          });
    return new Response(result.body, { status: result.status, headers: result.headers });
  };
}

/** The body, or null when it is larger than `limit`: reading stops there, declared or streamed. */
async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get("content-length") ?? "0") > limit) {
    await request.body?.cancel();
    return null;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
