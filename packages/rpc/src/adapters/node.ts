// node:http adapter: the silo server's fast path (no Fetch Request/Response objects per call).
import type { IncomingMessage, ServerResponse } from "node:http";
import { LazyAbort } from "../deadline.ts";
import { payloadTooLarge, type RpcEndpoint } from "../endpoint.ts";

export function nodeRpcHandler(
  endpoint: RpcEndpoint,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      // A request that has fully arrived (the common case by the time the silo's queue runs it)
      // is read at once, without a listener, a promise or a turn of the stream.
      const body = req.complete
        ? bufferedBody(req, endpoint.maxBodyBytes)
        : await readBody(req, endpoint.maxBodyBytes);
      // The client leaving before the answer is written aborts the method's signal, made only
      // if the method reads it: the response is watched from then on (or found closed already).
      const aborter = new LazyAbort((abort) => {
        if (res.closed) {
          if (!res.writableFinished) abort();
        } else
          res.once("close", () => {
            if (!res.writableFinished) abort();
          });
      });
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const result =
        body === null
          ? payloadTooLarge(endpoint.maxBodyBytes)
          : await endpoint({
              method: req.method ?? "GET",
              path: query === -1 ? url : url.slice(0, query),
              header: requestHeaders(req),
              body,
              aborter,
            });
      const { headers } = result;
      headers["content-length"] = String(Buffer.byteLength(result.body));
      res.writeHead(result.status, headers);
      res.end(result.body);
    } catch {
      // The client went away mid-request (or the socket failed): nobody is left to answer.
      // node:http ignores the handler's promise, so nothing may escape as an unhandled rejection.
      res.destroy();
    }
  };
}

const HEADERS = Symbol("rpc.requestHeaders");

/**
 * A request's headers by lowercase name, repeated ones joined with ", " as Fetch joins them
 * (Node keeps only the first of some repeated headers, Authorization among them: a request that
 * sends two signatures is seen as such, and refused as malformed, 401). Read from `rawHeaders` in
 * one pass, once per request (the server's trace headers and the endpoint share it): Node's own
 * `req.headers` object, built on first access header by header, cost more than the lookups.
 */
export function requestHeaders(req: IncomingMessage): (name: string) => string | undefined {
  const holder = req as IncomingMessage & { [HEADERS]?: (name: string) => string | undefined };
  let read = holder[HEADERS];
  if (read === undefined) {
    const values = new Map<string, string>();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = raw[i + 1] as string;
      const before = values.get(name);
      values.set(name, before === undefined ? value : `${before}, ${value}`);
    }
    read = (name) => values.get(name);
    holder[HEADERS] = read;
  }
  return read;
}

const EMPTY = new Uint8Array(0);

/** The body of a request the parser has finished (`req.complete`), or null when over `limit`. */
function bufferedBody(req: IncomingMessage, limit: number): Uint8Array | null {
  if (req.readableLength > limit) {
    req.resume();
    return null;
  }
  // read() hands over everything buffered in one Buffer, and the stream then ends as usual (an
  // empty one is drained by node:http when the answer is written).
  return req.readableLength === 0 ? EMPTY : ((req.read() as Buffer | null) ?? EMPTY);
}

/** The body, or null when it is larger than `limit` (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  const declared = Number(requestHeaders(req)("content-length") ?? "0");
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
