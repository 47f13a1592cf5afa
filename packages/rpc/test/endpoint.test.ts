// The RPC endpoint over HTTP, through both adapters: every row of the error table, success, and
// the raw examples of docs/wire-protocol.md.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  createRpcEndpoint,
  fetchRpcHandler,
  implementationsFor,
  MemoryIdempotencyStore,
  nodeRpcHandler,
  type ServiceEntry,
  ServiceRegistry,
  type SiloConfig,
  SiloRuntime,
  siloConfig,
  type TRPCError,
} from "../src/index.ts";
import { rpc0Signature, signRequest } from "../src/signing.ts";
import {
  clockImpl,
  clockService,
  entries,
  MAPPINGS,
  MemoryMappings,
  noteService,
  type TestContext,
} from "./fixtures.ts";

const SECRET = "endpoint-test-secret";
const PREFIX = "/api/0/internal/rpc/";
const US = "http://us.silo.test";
const CONTROL = "http://control.silo.test";

type ConfigParts = NonNullable<Parameters<typeof siloConfig>[0]>;

const MODES = {
  MONOLITH: {},
  CONTROL: { mode: "CONTROL", regions: [{ name: "us", address: US }] },
  REGION: {
    mode: "REGION",
    regionName: "us",
    regions: [{ name: "us", address: US }],
    controlAddress: CONTROL,
  },
} satisfies Record<SiloConfig["mode"], ConfigParts>;

interface SiloOptions {
  readonly mode?: SiloConfig["mode"];
  readonly config?: ConfigParts;
  readonly entries?: readonly ServiceEntry[];
  readonly createContext?: () => TestContext;
  readonly onError?: (error: TRPCError, path: string) => void;
}

function runtimeFor(options: SiloOptions = {}): SiloRuntime<TestContext> {
  const ctx: TestContext = { silo: "test", notes: new Map(), counter: { value: 0, calls: 0 } };
  return new SiloRuntime<TestContext>({
    idempotency: new MemoryIdempotencyStore(),
    config: siloConfig({
      secrets: [SECRET],
      ...MODES[options.mode ?? "MONOLITH"],
      ...options.config,
    }),
    registry: new ServiceRegistry(options.entries ?? entries),
    mappings: new MemoryMappings(MAPPINGS),
    createContext: options.createContext ?? (() => ctx),
  });
}

interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array | ReadableStream<Uint8Array>;
}

/** One silo's endpoint, reachable through one adapter. */
interface Silo {
  send(request: RawRequest): Promise<Response>;
}

interface Adapter {
  readonly name: string;
  serve(options?: SiloOptions): Promise<Silo>;
}

const init = ({ method = "POST", headers = {}, body }: RawRequest): RequestInit => ({
  method,
  headers,
  ...(body === undefined ? {} : { body }),
  ...(body instanceof ReadableStream ? { duplex: "half" as const } : {}),
});

const endpointFor = (options: SiloOptions = {}) =>
  createRpcEndpoint(runtimeFor(options), options.onError ? { onError: options.onError } : {});

const fetchAdapter: Adapter = {
  name: "fetch adapter",
  async serve(options) {
    const handler = fetchRpcHandler(endpointFor(options));
    return { send: (request) => handler(new Request(`${US}${request.path}`, init(request))) };
  },
};

const servers: Server[] = [];

/** Starts a node:http server with the node adapter on 127.0.0.1 and an ephemeral port. */
async function listen(options?: SiloOptions): Promise<{ server: Server; port: number }> {
  const server = createServer(nodeRpcHandler(endpointFor(options)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return { server, port: address.port };
}

const nodeAdapter: Adapter = {
  name: "node adapter",
  async serve(options) {
    const { port } = await listen(options);
    return {
      send: (request) => fetch(`http://127.0.0.1:${port}${request.path}`, init(request)),
    };
  },
};

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    ),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
});

const rpc = (service: string, method: string, trailingSlash = true) =>
  `${PREFIX}${service}/${method}${trailingSlash ? "/" : ""}`;

const envelope = (args: unknown) => JSON.stringify({ args, meta: {} });

/** A request signed with `secret` at `now` (defaults: SECRET, the current time). */
function signed(
  path: string,
  body: string,
  { secret = SECRET, now = Date.now(), contentType = "application/json" } = {},
): RawRequest {
  const bytes = Buffer.from(body, "utf8");
  return {
    path,
    body: bytes,
    headers: { "content-type": contentType, ...signRequest(secret, path, bytes, { now }) },
  };
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

/** Asserts an error response: status, JSON content type, code, and a part of the message. */
function expectError(result: Reply, status: number, code: string, message: string | RegExp) {
  expect(result.status).toBe(status);
  expect(result.headers.get("content-type")).toMatch(/^application\/json/);
  expect(result.json).toEqual({
    error: {
      code,
      message:
        typeof message === "string"
          ? expect.stringContaining(message)
          : expect.stringMatching(message),
    },
  });
}

describe.each([fetchAdapter, nodeAdapter])("RPC endpoint through the $name", (adapter) => {
  const call = async (request: RawRequest, options?: SiloOptions) =>
    reply(await (await adapter.serve(options)).send(request));

  describe("success", () => {
    it("answers 200 with {value, meta} for a mutation and a query", async () => {
      const silo = await adapter.serve();
      const added = await reply(
        await silo.send(signed(rpc("note", "add"), envelope({ slug: "acme", text: "Grüße 🚀" }))),
      );
      expect(added.status).toBe(200);
      expect(added.headers.get("content-type")).toBe("application/json");
      expect(added.json).toEqual({ value: { id: 1 }, meta: {} });
      const got = await reply(
        await silo.send(signed(rpc("note", "get"), envelope({ slug: "acme", id: 1 }))),
      );
      expect(got.status).toBe(200);
      expect(got.json).toEqual({
        value: { id: 1, text: "Grüße 🚀", region: "test", at: "2026-01-01T00:00:00.000Z" },
        meta: {},
      });
    });

    it("answers null values as null", async () => {
      const result = await call(signed(rpc("note", "get"), envelope({ slug: "acme", id: 404 })));
      expect(result.status).toBe(200);
      expect(result.text).toBe('{"value":null,"meta":{}}');
    });

    it("accepts the path without its trailing slash", async () => {
      const result = await call(signed(rpc("clock", "now", false), envelope({})));
      expect(result.status).toBe(200);
      expect(result.json).toEqual({ value: { silo: "test" }, meta: {} });
    });

    it("accepts application/json with parameters, and a body without meta", async () => {
      const result = await call(
        signed(rpc("clock", "bump"), '{"args":{"by":5}}', {
          contentType: "Application/JSON; charset=utf-8",
        }),
      );
      expect(result.status).toBe(200);
      expect(result.json).toEqual({ value: { value: 5 }, meta: {} });
    });

    it("serves REGION services in a REGION silo and CONTROL services in a CONTROL silo", async () => {
      const region = await call(
        signed(rpc("note", "add"), envelope({ slug: "acme", text: "hi" })),
        {
          mode: "REGION",
        },
      );
      expect(region.json).toEqual({ value: { id: 1 }, meta: {} });
      const control = await call(signed(rpc("clock", "now"), envelope({})), { mode: "CONTROL" });
      expect(control.json).toEqual({ value: { silo: "test" }, meta: {} });
    });

    it("accepts rpc0 only when the silo enables it", async () => {
      const path = rpc("clock", "now");
      const body = Buffer.from(envelope({}));
      const request: RawRequest = {
        path,
        body,
        headers: {
          "content-type": "application/json",
          authorization: `Rpcsignature rpc0:${rpc0Signature(SECRET, path, body)}`,
        },
      };
      expectError(await call(request), 401, "UNAUTHORIZED", "rpc0 signatures are not accepted");
      const accepted = await call(request, { config: { acceptRpc0: true } });
      expect(accepted.status).toBe(200);
      expect(accepted.json).toEqual({ value: { silo: "test" }, meta: {} });
    });
  });

  describe("400 BAD_REQUEST", () => {
    it("for a body that is not JSON", async () => {
      const result = await call(signed(rpc("clock", "now"), '{"args":{},'));
      expectError(result, 400, "BAD_REQUEST", "The request body is not valid JSON.");
    });

    it.each([
      ["missing", '{"meta":{}}'],
      ["null", '{"args":null}'],
      ["an array", '{"args":[]}'],
      ["a string", '{"args":"{}"}'],
      ["a number", '{"args":1}'],
      ["absent: the body is an array", "[{}]"],
      ["absent: the body is null", "null"],
    ])("when args is %s", async (_case, body) => {
      const result = await call(signed(rpc("clock", "now"), body));
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: {
          code: "BAD_REQUEST",
          message: "Invalid input for clock.now: args: must be an object of named parameters",
          issues: [{ path: "args", message: "must be an object of named parameters" }],
        },
      });
    });

    it("for a value the schema library throws on, not a 500 (zod 4.6 and a length bound)", async () => {
      const hostile = { slug: "acme", text: { length: { toString: 1 } } };
      const result = await call(signed(rpc("note", "add"), envelope(hostile)));
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: {
          code: "BAD_REQUEST",
          message: expect.stringContaining("Invalid input for note.add"),
          issues: [
            {
              path: "",
              message: expect.stringMatching(/could not be checked against the method's schema/),
            },
          ],
        },
      });
    });

    it.each([
      ["U+0000", "a\u0000b"],
      ["a lone high surrogate", "\ud800"],
      ["a lone low surrogate", "x\udc00"],
    ])("for text with %s, which no silo can store, before the method runs", async (_c, text) => {
      // JSON.stringify writes both as JSON escapes (\u0000, \ud800), as any client would.
      const silo = await adapter.serve();
      const result = await reply(
        await silo.send(signed(rpc("note", "add"), envelope({ slug: "acme", text }))),
      );
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: {
          code: "BAD_REQUEST",
          message: expect.stringContaining("Invalid input for note.add: text: The text contains"),
          issues: [{ path: "text", message: expect.stringMatching(/^The text contains/) }],
        },
      });
      // Nothing was written: the next note is the first.
      const added = await reply(
        await silo.send(signed(rpc("note", "add"), envelope({ slug: "acme", text: "ok" }))),
      );
      expect(added.json).toEqual({ value: { id: 1 }, meta: {} });
    });

    it("for a property name no silo can store", async () => {
      const args = { slug: "acme", text: "t", "a\u0000": 1 };
      const result = await call(signed(rpc("note", "add"), envelope(args)));
      expect(result.status).toBe(400);
      expect(result.json).toMatchObject({
        error: {
          issues: [
            { path: "", message: expect.stringMatching(/^A property name contains U\+0000/) },
          ],
        },
      });
    });

    it("for invalid input, with one issue per problem", async () => {
      const result = await call(signed(rpc("note", "add"), envelope({ slug: "acme", text: "" })));
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: {
          code: "BAD_REQUEST",
          message: expect.stringMatching(/^Invalid input for note\.add: text: Too small/),
          issues: [{ path: "text", message: expect.stringMatching(/too small.*>=1/i) }],
        },
      });

      const several = await call(signed(rpc("note", "get"), envelope({ slug: 7, id: 1.5 })));
      expect(several.status).toBe(400);
      expect(several.json).toEqual({
        error: {
          code: "BAD_REQUEST",
          message: expect.stringMatching(/^Invalid input for note\.get: slug: .*; id: /),
          issues: [
            { path: "slug", message: expect.stringMatching(/expected string/) },
            { path: "id", message: expect.stringMatching(/expected int/) },
          ],
        },
      });
    });
  });

  describe("401 UNAUTHORIZED", () => {
    const path = rpc("clock", "now");
    const body = envelope({});

    it("without an Authorization header", async () => {
      const result = await call({ path, body, headers: { "content-type": "application/json" } });
      expectError(
        result,
        401,
        "UNAUTHORIZED",
        "Invalid RPC signature: missing Authorization header.",
      );
    });

    it("with a malformed Authorization header", async () => {
      const request = signed(path, body);
      const result = await call({
        ...request,
        headers: { ...request.headers, authorization: "Bearer 0123456789abcdef" },
      });
      expectError(result, 401, "UNAUTHORIZED", "malformed Authorization header");
    });

    it("with a malformed nonce", async () => {
      const request = signed(path, body);
      const result = await call({
        ...request,
        headers: { ...request.headers, "x-rpc-nonce": "short" },
      });
      expectError(result, 401, "UNAUTHORIZED", "malformed X-Rpc-Nonce header");
    });

    it("signed with another secret", async () => {
      const result = await call(signed(path, body, { secret: "another-secret" }));
      expectError(result, 401, "UNAUTHORIZED", "signature does not match");
    });

    it("for a tampered body", async () => {
      const request = signed(path, body);
      const result = await call({ ...request, body: envelope({ extra: 1 }) });
      expectError(result, 401, "UNAUTHORIZED", "signature does not match");
    });

    it("signed for another path", async () => {
      const request = signed(rpc("clock", "bump"), body);
      const result = await call({ ...request, path });
      expectError(result, 401, "UNAUTHORIZED", "signature does not match");
    });

    it.each([
      ["expired", -400],
      ["too far in the future", 400],
    ])("with a timestamp %s", async (_case, offsetSeconds) => {
      const result = await call(signed(path, body, { now: Date.now() + offsetSeconds * 1000 }));
      expectError(result, 401, "UNAUTHORIZED", "timestamp is more than 300 s away");
    });

    it("for a replayed request", async () => {
      const silo = await adapter.serve();
      const request = signed(path, body);
      expect((await silo.send(request)).status).toBe(200);
      const replayed = await reply(await silo.send(request));
      expectError(replayed, 401, "UNAUTHORIZED", "nonce was already used (replayed request)");
    });

    it("when the silo has no secret", async () => {
      const result = await call(signed(path, body), { config: { secrets: [] } });
      expectError(result, 401, "UNAUTHORIZED", "no RPC_SHARED_SECRET");
    });

    it("before revealing whether a service exists", async () => {
      const result = await call({
        path: rpc("secretService", "list"),
        body,
        headers: { "content-type": "application/json" },
      });
      expectError(result, 401, "UNAUTHORIZED", "missing Authorization header");
    });
  });

  describe("404 NOT_FOUND", () => {
    it.each([
      ["one segment", `${PREFIX}note/`],
      ["three segments", `${PREFIX}note/get/extra/`],
      ["an empty method", `${PREFIX}note//`],
      ["another prefix", "/api/0/internal/rpcx/note/get/"],
    ])("for a path that is not an RPC path (%s)", async (_case, path) => {
      const result = await call(signed(path, envelope({})));
      expectError(result, 404, "NOT_FOUND", `No RPC endpoint at ${path}.`);
    });

    it("for an unknown service", async () => {
      const result = await call(signed(rpc("nope", "get"), envelope({})));
      expectError(result, 404, "NOT_FOUND", "No RPC method nope.get.");
    });

    it("for an unknown method", async () => {
      const result = await call(signed(rpc("note", "remove"), envelope({})));
      expectError(result, 404, "NOT_FOUND", "No RPC method note.remove.");
    });

    it("for a method name of another case", async () => {
      const result = await call(signed(rpc("note", "GET"), envelope({})));
      expectError(result, 404, "NOT_FOUND", "No RPC method note.GET.");
    });

    const objectNames = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
    it.each(objectNames)("for %s as a service name", async (name) => {
      const result = await call(signed(rpc(name, "get"), envelope({})));
      expectError(result, 404, "NOT_FOUND", `No RPC method ${name}.get.`);
    });

    it.each(objectNames)("for %s as a method name", async (name) => {
      const result = await call(signed(rpc("note", name), envelope({})));
      expectError(result, 404, "NOT_FOUND", `No RPC method note.${name}.`);
    });

    it("for a REGION service asked of a CONTROL silo, naming REGION", async () => {
      const result = await call(signed(rpc("note", "get"), envelope({ slug: "acme", id: 1 })), {
        mode: "CONTROL",
      });
      expectError(
        result,
        404,
        "NOT_FOUND",
        "note.get is served by REGION silos; this is a CONTROL silo.",
      );
    });

    it("for a CONTROL service asked of a REGION silo, naming CONTROL", async () => {
      const result = await call(signed(rpc("clock", "now"), envelope({})), { mode: "REGION" });
      expectError(
        result,
        404,
        "NOT_FOUND",
        "clock.now is served by CONTROL silos; this is a REGION silo.",
      );
    });
  });

  describe("405 METHOD_NOT_SUPPORTED", () => {
    it("for GET, with Allow: POST", async () => {
      const path = rpc("clock", "now");
      const result = await call({
        method: "GET",
        path,
        headers: signRequest(SECRET, path, new Uint8Array(0)),
      });
      expectError(result, 405, "METHOD_NOT_SUPPORTED", "RPC calls are POST requests.");
      expect(result.headers.get("allow")).toBe("POST");
    });

    it("for PUT with a signed JSON body", async () => {
      const result = await call({ ...signed(rpc("clock", "now"), envelope({})), method: "PUT" });
      expectError(result, 405, "METHOD_NOT_SUPPORTED", "POST");
      expect(result.headers.get("allow")).toBe("POST");
    });
  });

  describe("413 PAYLOAD_TOO_LARGE", () => {
    const config = { maxBodyBytes: 64 };
    // A valid call of exactly 64 bytes.
    const atLimit = envelope({ slug: "acme", text: "x".repeat(20) });

    it("accepts a body of exactly the limit", async () => {
      expect(Buffer.byteLength(atLimit)).toBe(64);
      const result = await call(signed(rpc("note", "add"), atLimit), { config });
      expect(result.status).toBe(200);
    });

    it("for a body one byte over the limit", async () => {
      const body = envelope({ slug: "acme", text: "x".repeat(21) });
      expect(Buffer.byteLength(body)).toBe(65);
      const result = await call(signed(rpc("note", "add"), body), { config });
      expectError(result, 413, "PAYLOAD_TOO_LARGE", "The request body is larger than 64 bytes.");
    });

    it("for a body far over the limit (1 MiB)", async () => {
      const body = envelope({ slug: "acme", text: "x".repeat(1024 * 1024) });
      const result = await call(signed(rpc("note", "add"), body), { config });
      expectError(result, 413, "PAYLOAD_TOO_LARGE", "larger than 64 bytes");
    });

    it("for the default limit of 1 MiB", async () => {
      const body = envelope({ slug: "acme", text: "x".repeat(1024 * 1024) });
      const result = await call(signed(rpc("note", "add"), body));
      expectError(result, 413, "PAYLOAD_TOO_LARGE", "larger than 1048576 bytes");
    });

    it("without reading the whole body of a streamed (chunked) request", async () => {
      // The stream sends twice the limit, then stays open until the response arrives: an
      // adapter that waits for the whole body before answering never answers. The stream gives
      // up after 20 s (a correct adapter answers in milliseconds), so that such an adapter fails
      // this test with its own message rather than with the test's timeout.
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        release();
      }, 20_000);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent < 2) {
            sent++;
            controller.enqueue(new Uint8Array(64).fill(0x20));
            return;
          }
          await released;
          controller.close();
        },
      });
      const path = rpc("note", "add");
      const silo = await adapter.serve({ config });
      const response = await silo.send({
        path,
        body: stream,
        headers: {
          "content-type": "application/json",
          ...signRequest(SECRET, path, new Uint8Array(0)),
        },
      });
      const answeredWhileBodyOpen = !gaveUp;
      clearTimeout(timer);
      release();
      expectError(await reply(response), 413, "PAYLOAD_TOO_LARGE", "larger than 64 bytes");
      expect(answeredWhileBodyOpen, "answered before the body ended").toBe(true);
    });
  });

  describe("415 UNSUPPORTED_MEDIA_TYPE", () => {
    it.each(["text/plain", "application/x-www-form-urlencoded", "application/jsonp"])(
      "for %s",
      async (contentType) => {
        const result = await call(signed(rpc("clock", "now"), envelope({}), { contentType }));
        expectError(result, 415, "UNSUPPORTED_MEDIA_TYPE", "RPC requests are application/json.");
      },
    );

    it("without a Content-Type", async () => {
      const request = signed(rpc("clock", "now"), envelope({}));
      const { "content-type": _omitted, ...headers } = request.headers ?? {};
      const result = await call({ ...request, headers });
      expectError(result, 415, "UNSUPPORTED_MEDIA_TYPE", "application/json");
    });
  });

  describe("503 SERVICE_UNAVAILABLE", () => {
    it("for a method listed in disabledMethods, and only that one", async () => {
      const silo = await adapter.serve({ config: { disabledMethods: new Set(["note.get"]) } });
      const disabled = await reply(
        await silo.send(signed(rpc("note", "get"), envelope({ slug: "acme", id: 1 }))),
      );
      expectError(
        disabled,
        503,
        "SERVICE_UNAVAILABLE",
        "note.get is disabled in this silo (RPC_DISABLED_METHODS).",
      );
      const other = await silo.send(
        signed(rpc("note", "add"), envelope({ slug: "acme", text: "a" })),
      );
      expect(other.status).toBe(200);
    });

    it("when maxNonces live nonces fill the replay window, with Retry-After, and nothing runs", async () => {
      const ctx: TestContext = { silo: "us", notes: new Map(), counter: { value: 0, calls: 0 } };
      const silo = await adapter.serve({ config: { maxNonces: 3 }, createContext: () => ctx });
      const add = (text: string) => signed(rpc("note", "add"), envelope({ slug: "acme", text }));
      const accepted = [add("a"), add("b"), add("c")];
      for (const request of accepted) expect((await silo.send(request)).status).toBe(200);
      const busy = await reply(await silo.send(add("d")));
      expectError(busy, 503, "SERVICE_UNAVAILABLE", /remembers 3 unexpired nonces.*RPC_MAX_NONCES/);
      // The nonces live 301 s from their timestamp; the oldest makes room first.
      expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(300);
      expect(Number(busy.headers.get("retry-after"))).toBeLessThanOrEqual(302);
      // Replays stay refused, and "d" was never added.
      for (const request of accepted) expect((await silo.send(request)).status).toBe(401);
      expect([...ctx.notes.values()].map((note) => note.text)).toEqual(["a", "b", "c"]);
    });
  });

  describe("errors of the implementation", () => {
    it("keeps a deliberate TRPCError (FORBIDDEN: 403, same message)", async () => {
      const result = await call(
        signed(rpc("note", "fail"), envelope({ slug: "acme", how: "forbidden" })),
      );
      expect(result.status).toBe(403);
      expect(result.json).toEqual({ error: { code: "FORBIDDEN", message: "Not your note." } });
    });

    it("hides an unexpected exception behind 500 Internal server error.", async () => {
      const onError = vi.fn<(error: TRPCError, path: string) => void>();
      const result = await call(
        signed(rpc("note", "fail"), envelope({ slug: "acme", how: "crash" })),
        {
          onError,
        },
      );
      expect(result.status).toBe(500);
      expect(result.json).toEqual({
        error: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error." },
      });
      expect(result.text).not.toContain("hunter2");
      expect(result.text).not.toMatch(/stack|at .*\.ts/);
      // The detail stays in the receiving process, for its logs.
      expect(onError).toHaveBeenCalledTimes(1);
      const [error, path] = onError.mock.calls[0] ?? [];
      expect(path).toBe("note.fail");
      expect(String(error?.cause)).toContain("hunter2");
    });

    const failing = (message: string) => {
      throw new Error(message);
    };
    it.each([
      [
        "creating the context",
        { createContext: () => failing("connect to postgres://app:hunter2@db failed") },
      ],
      [
        "loading the implementation",
        {
          entries: [
            { contract: noteService, load: async () => failing("cannot load: hunter2") },
            { contract: clockService, load: async () => clockImpl },
          ],
        },
      ],
    ] satisfies [string, SiloOptions][])(
      "hides an exception thrown while %s behind 500 Internal server error.",
      async (_case, options) => {
        const result = await call(
          signed(rpc("note", "get"), envelope({ slug: "acme", id: 1 })),
          options,
        );
        expect(result.status).toBe(500);
        expect(result.json).toEqual({
          error: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error." },
        });
        expect(result.text).not.toContain("hunter2");
      },
    );
  });
});

describe("node adapter over a raw socket", () => {
  it("answers 413 from the declared Content-Length without waiting for the body", async () => {
    const { port } = await listen({ config: { maxBodyBytes: 64 } });
    const path = rpc("note", "add");
    // Declares 10 MB, sends 100 bytes and waits: the answer must come anyway.
    const headers = signRequest(SECRET, path, new Uint8Array(0));
    const response = await rawExchange(
      port,
      [
        `POST ${path} HTTP/1.1`,
        "Host: us.silo.test",
        "Content-Type: application/json",
        "Content-Length: 10000000",
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        "",
        " ".repeat(100),
      ].join("\r\n"),
    );
    expect(response.startLine).toBe("HTTP/1.1 413 Payload Too Large");
    expect(response.body).toBe(
      '{"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is larger than 64 bytes."}}',
    );
  });

  it("survives a client that disconnects in the middle of the body", async () => {
    // node:http ignores the handler's promise: were it to reject, the rejection would be
    // unhandled, which ends a Node process. Capture how each call of the handler settles.
    const handler = nodeRpcHandler(endpointFor());
    const outcomes: Promise<unknown>[] = [];
    let started = () => {};
    const handling = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = createServer((req, res) => {
      outcomes.push(
        handler(req, res).then(
          () => "settled",
          (error: unknown) => error,
        ),
      );
      started();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    const socket = connect(address.port, "127.0.0.1");
    socket.write(
      `POST ${rpc("clock", "now")} HTTP/1.1\r\nHost: us.silo.test\r\n` +
        'Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{"args"',
    );
    await handling;
    socket.destroy();
    expect(outcomes).toHaveLength(1);
    expect(await outcomes[0]).toBe("settled");
  });
});

describe("node adapter, raw HTTP", () => {
  it("refuses two Authorization headers as malformed (401), though Node keeps only the first", async () => {
    const { port } = await listen();
    const path = rpc("clock", "now");
    const body = envelope({});
    const good = signRequest(SECRET, path, Buffer.from(body));
    const other = signRequest(SECRET, path, Buffer.from(body), {
      nonce: "another-nonce-0123456789",
    });
    const authorization = (headers: Record<string, string>) => headers.authorization ?? "";
    const head = (authorizations: readonly string[]) =>
      [
        `POST ${path} HTTP/1.1`,
        "Host: us.silo.test",
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Rpc-Timestamp: ${good["x-rpc-timestamp"] ?? ""}`,
        `X-Rpc-Nonce: ${good["x-rpc-nonce"] ?? ""}`,
        ...authorizations.map((value) => `Authorization: ${value}`),
        "Connection: close",
      ].join("\r\n");
    const twice = await rawExchange(
      port,
      `${head([authorization(good), authorization(other)])}\r\n\r\n${body}`,
    );
    expect(twice.startLine).toMatch(/^HTTP\/1\.1 401 /);
    expect(JSON.parse(twice.body)).toMatchObject({
      error: { code: "UNAUTHORIZED", message: expect.stringContaining("Authorization") },
    });
    // The first of them alone is a good signature: the refusal is for the repetition.
    const once = await rawExchange(port, `${head([authorization(good)])}\r\n\r\n${body}`);
    expect(once.startLine).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe("node adapter, time budget", () => {
  it("refuses two X-Rpc-Budget-Ms headers as malformed (401)", async () => {
    const { port } = await listen();
    const path = rpc("clock", "now");
    const body = envelope({});
    const headers = signRequest(SECRET, path, Buffer.from(body), { budgetMs: 1500 });
    const head = (budgets: readonly string[]) =>
      [
        `POST ${path} HTTP/1.1`,
        "Host: us.silo.test",
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Rpc-Timestamp: ${headers["x-rpc-timestamp"] ?? ""}`,
        `X-Rpc-Nonce: ${headers["x-rpc-nonce"] ?? ""}`,
        ...budgets.map((value) => `X-Rpc-Budget-Ms: ${value}`),
        `Authorization: ${headers.authorization ?? ""}`,
        "Connection: close",
      ].join("\r\n");
    const twice = await rawExchange(port, `${head(["1500", "1500"])}\r\n\r\n${body}`);
    expect(twice.startLine).toMatch(/^HTTP\/1\.1 401 /);
    expect(JSON.parse(twice.body)).toEqual({
      error: {
        code: "UNAUTHORIZED",
        message: "Invalid RPC signature: malformed X-Rpc-Budget-Ms header.",
      },
    });
    // Once, it is the signed budget: accepted.
    const once = await rawExchange(port, `${head(["1500"])}\r\n\r\n${body}`);
    expect(once.startLine).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("aborts the method's signal when the client disconnects before the answer", async () => {
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let aborted = () => {};
    const abortSeen = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const waiting = implementationsFor<TestContext>()(clockService, {
      ...clockImpl.handlers,
      now: async ({ signal }: { signal: AbortSignal | undefined }) => {
        started();
        await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
        aborted();
        return { silo: "aborted" };
      },
    } as never);
    const { port } = await listen({
      entries: [{ contract: clockService, load: async () => waiting }],
    });
    const path = rpc("clock", "now");
    const body = envelope({});
    const socket = connect(port, "127.0.0.1");
    socket.write(
      [
        `POST ${path} HTTP/1.1`,
        "Host: us.silo.test",
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        ...Object.entries(signRequest(SECRET, path, Buffer.from(body))).map(
          ([name, value]) => `${name}: ${value}`,
        ),
        "",
        body,
      ].join("\r\n"),
    );
    await running;
    socket.destroy();
    // The test's timeout bounds the wait: without the adapter's signal it never comes.
    await abortSeen;
  });
});

// ---------------------------------------------------------------------------------------------
// The complete examples of docs/wire-protocol.md, replayed byte for byte.

interface RawMessage {
  readonly startLine: string;
  readonly headerLines: readonly string[];
  /** By lowercase name. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** An HTTP/1.1 message written with LF line ends (as in the document). */
function parseHttp(block: string): RawMessage {
  const blank = block.indexOf("\n\n");
  const [startLine = "", ...headerLines] = block.slice(0, blank).split("\n");
  const headers = new Map(
    headerLines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
    }),
  );
  return { startLine, headerLines, headers, body: block.slice(blank + 2) };
}

/** The message as sent on the wire: CRLF line ends, then the body as is. */
const wireBytes = (message: RawMessage): string =>
  [message.startLine, ...message.headerLines, "", message.body].join("\r\n");

const doc = readFileSync(new URL("../../../docs/wire-protocol.md", import.meta.url), "utf8");
const examplesSection = doc.slice(doc.indexOf("## 13. Complete examples"));
const httpBlocks = [...examplesSection.matchAll(/```http\n([\s\S]*?)\n```/g)].map((match) =>
  parseHttp(match[1] ?? ""),
);
const examples = [
  ["success", httpBlocks[0], httpBlocks[1]],
  ["validation error", httpBlocks[2], httpBlocks[3]],
] as const;
const EXAMPLE_SECRET = "test-secret-not-for-production";
const EXAMPLE_NOW_MS = 1_767_225_700_000;

/** Sends raw bytes over a socket and returns the raw response once its body is complete. */
function rawExchange(port: number, request: string): Promise<RawMessage> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      const end = data.indexOf("\r\n\r\n");
      if (end === -1) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(data.slice(0, end))?.[1]);
      if (Buffer.byteLength(data.slice(end + 4), "latin1") < length) return;
      socket.destroy();
      const raw = Buffer.from(data, "latin1").toString("utf8").replaceAll("\r\n", "\n");
      resolve(parseHttp(raw));
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

describe("the complete examples of docs/wire-protocol.md", () => {
  it("are four request/response pairs with consistent Content-Length", () => {
    expect(httpBlocks).toHaveLength(8);
    for (const message of httpBlocks) {
      expect(Buffer.byteLength(message.body, "utf8")).toBe(
        Number(message.headers.get("content-length")),
      );
    }
  });

  it.each(examples)(
    "%s: the Fetch adapter answers as documented",
    async (_name, request, expected) => {
      if (request === undefined || expected === undefined) throw new Error("missing example");
      // The signatures were made at the documented time: freeze this silo's clock there.
      vi.spyOn(Date, "now").mockReturnValue(EXAMPLE_NOW_MS);
      const handler = fetchRpcHandler(
        createRpcEndpoint(runtimeFor({ mode: "REGION", config: { secrets: [EXAMPLE_SECRET] } })),
      );
      const [method = "", path = ""] = request.startLine.split(" ");
      const headers = new Headers();
      for (const [name, value] of request.headers) {
        if (name !== "host" && name !== "content-length") headers.set(name, value);
      }
      const response = await handler(
        new Request(`http://${request.headers.get("host")}${path}`, {
          method,
          headers,
          body: request.body,
        }),
      );
      expect(`HTTP/1.1 ${response.status}`).toBe(
        expected.startLine.split(" ").slice(0, 2).join(" "),
      );
      expect(response.headers.get("content-type")).toBe(expected.headers.get("content-type"));
      expect(await response.text()).toBe(expected.body);
    },
  );

  it.each(examples)(
    "%s: the node adapter answers the raw bytes as documented",
    async (_name, request, expected) => {
      if (request === undefined || expected === undefined) throw new Error("missing example");
      vi.spyOn(Date, "now").mockReturnValue(EXAMPLE_NOW_MS);
      const { port } = await listen({ mode: "REGION", config: { secrets: [EXAMPLE_SECRET] } });
      const response = await rawExchange(port, wireBytes(request));
      expect(response.startLine).toBe(expected.startLine);
      for (const [name, value] of expected.headers) expect(response.headers.get(name)).toBe(value);
      expect(response.body).toBe(expected.body);
    },
  );

  it.each([
    ["fetch adapter", fetchAdapter],
    ["node adapter", nodeAdapter],
  ])(
    "retry with an idempotency key (%s): both attempts get the first call's answer, and the method runs once",
    async (_name, adapter) => {
      vi.spyOn(Date, "now").mockReturnValue(EXAMPLE_NOW_MS);
      const ctx: TestContext = { silo: "us", notes: new Map(), counter: { value: 0, calls: 0 } };
      const silo = await adapter.serve({
        mode: "REGION",
        config: { secrets: [EXAMPLE_SECRET] },
        createContext: () => ctx,
      });
      for (const [request, expected] of [
        [httpBlocks[4], httpBlocks[5]],
        [httpBlocks[6], httpBlocks[7]],
      ]) {
        if (request === undefined || expected === undefined) throw new Error("missing example");
        const headers: Record<string, string> = {};
        for (const [name, value] of request.headers) {
          if (name !== "host" && name !== "content-length") headers[name] = value;
        }
        const response = await silo.send({
          path: request.startLine.split(" ")[1] ?? "",
          headers,
          body: request.body,
        });
        expect(`HTTP/1.1 ${response.status}`).toBe(
          expected.startLine.split(" ").slice(0, 2).join(" "),
        );
        expect(await response.text()).toBe(expected.body);
      }
      expect(ctx.notes.size).toBe(1);
    },
  );
});
