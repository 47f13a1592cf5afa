// node:http adapter: the silo server's fast path (no Fetch Request/Response objects per call).
import type { IncomingMessage, ServerResponse } from "node:http";
import { payloadTooLarge, type RpcEndpoint } from "../endpoint.ts";

export function nodeRpcHandler(
  endpoint: RpcEndpoint,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const body = await readBody(req, endpoint.maxBodyBytes);
      // The client leaving before the answer is written aborts the method's signal.
      const left = new AbortController();
      const close = () => {
        if (!res.writableFinished) left.abort();
      };
      res.once("close", close);
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const result =
        body === null
          ? payloadTooLarge(endpoint.maxBodyBytes)
          : await endpoint({
              method: req.method ?? "GET",
              path: query === -1 ? url : url.slice(0, query),
              header: headerReader(req),
              body,
              signal: left.signal,
              abort: (reason) => left.abort(reason),
            });
      res.off("close", close);
      res.writeHead(result.status, {
        ...result.headers,
        "content-length": Buffer.byteLength(result.body),
      });
      res.end(result.body);
    } catch {
      // The client went away mid-request (or the socket failed): nobody is left to answer.
      // node:http ignores the handler's promise, so nothing may escape as an unhandled rejection.
      res.destroy();
    }
  };
}

/**
 * A request's headers by lowercase name, repeated ones joined with ", " as Fetch joins them. Node
 * keeps only the first of some repeated headers (Authorization among them), so when the request
 * repeats any header they are read from `rawHeaders`: a request that sends two signatures is
 * seen as such, and refused as malformed (401). Whether it repeats one is counted once, at the
 * first lookup, so the common request pays for no scan of `rawHeaders` per header.
 */
function headerReader(req: IncomingMessage): (name: string) => string | undefined {
  let repeats: boolean | undefined;
  return (name) => {
    const value = req.headers[name];
    if (value === undefined || Array.isArray(value)) return value?.join(", ");
    repeats ??= repeatsAHeader(req);
    if (!repeats) return value;
    const raw = req.rawHeaders;
    const values: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
    }
    return values.length > 1 ? values.join(", ") : value;
  };
}

/** Whether `rawHeaders` holds more headers than `headers` has names: some name came twice. */
function repeatsAHeader(req: IncomingMessage): boolean {
  let names = 0;
  for (const _ in req.headers) names++;
  return req.rawHeaders.length > names * 2;
}

/** The body, or null when it is larger than `limit` (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on("error", reject);
    req.on("aborted", () => reject(new Error("The client disconnected before the body ended.")));
  });
}
