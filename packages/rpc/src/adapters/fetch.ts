// Fetch adapter: for Next.js Route Handlers and any server that speaks Request and Response.
import { payloadTooLarge, type RpcEndpoint } from "../endpoint.ts";

export function fetchRpcHandler(endpoint: RpcEndpoint): (request: Request) => Promise<Response> {
  return async (request) => {
    const declared = Number(request.headers.get("content-length") ?? "0");
    let body: Uint8Array;
    if (declared > endpoint.maxBodyBytes) {
      body = new Uint8Array(0);
    } else {
      body = new Uint8Array(await request.arrayBuffer());
    }
    const result =
      declared > endpoint.maxBodyBytes || body.byteLength > endpoint.maxBodyBytes
        ? payloadTooLarge(endpoint.maxBodyBytes)
        : await endpoint({
            method: request.method,
            path: new URL(request.url).pathname,
            header: (name) => request.headers.get(name) ?? undefined,
            body,
          });
    return new Response(result.body, { status: result.status, headers: result.headers });
  };
}
