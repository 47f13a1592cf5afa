// Property-based fuzzing of every method of every service through the real endpoint: a MONOLITH
// silo (all services local, its own database holding the demo data) behind the node adapter on
// loopback, sent correctly signed requests whose arguments are random JSON. Whatever the
// arguments, the silo answers with a status below 500, keeps serving, and nothing reaches
// Object.prototype. fast-check prints the seed and the smallest failing body on a failure.
import { createServer, type Server } from "node:http";
import { DEMO_REGIONS, MONOLITH_SEED_SCOPE, seedDemoData } from "@acme/db";
import { createTestDatabase, type TestDatabase, testEngines } from "@acme/db/testing";
import { createRpcEndpoint, nodeRpcHandler, signRequest, siloConfig } from "@acme/rpc";
import { suiteResource } from "@acme/vitest-config/suite-resource";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contracts } from "../src/contracts.ts";
import { rpcSchema } from "../src/index.ts";
import { createAppRuntime } from "../src/runtime.ts";

const SECRET = "fuzz-test-secret";
const RUNS_PER_METHOD = 60;

interface Silo {
  readonly url: string;
  readonly database: TestDatabase;
  readonly server: Server;
}

async function startSilo(engine: (typeof testEngines)[number]): Promise<Silo> {
  const database = await createTestDatabase(engine);
  try {
    await seedDemoData(database.db, MONOLITH_SEED_SCOPE);
    const config = siloConfig({
      secrets: [SECRET],
      regions: DEMO_REGIONS.map((name) => ({ name })),
    });
    const { runtime } = createAppRuntime({ config, db: database.db });
    const server = createServer(nodeRpcHandler(createRpcEndpoint(runtime)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    return { url: `http://127.0.0.1:${address.port}`, database, server };
  } catch (error) {
    await database.dispose();
    throw error;
  }
}

async function stopSilo(silo: Silo): Promise<void> {
  await new Promise((resolve) => silo.server.close(resolve));
  await silo.database.dispose();
}

/** Every method with the example request of the OpenAPI document (a valid call to mutate). */
const methods = Object.entries(rpcSchema().paths).map(([path, item]) => ({
  path,
  name: item.post.operationId,
  example: item.post.requestBody.content["application/json"].example.args as Record<
    string,
    unknown
  >,
}));

// --- Arbitraries: JSON text, built as text so that keys such as "__proto__" stay own keys. ---

/** Any UTF-16 code unit: U+0000, lone surrogates and control characters included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const hostileText = fc.oneof(
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "a\u0000b", "\ud800", "\udfff", "acme", "x".repeat(300), "1", "true"),
);
const POLLUTING_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "length"];
const key = (names: readonly string[]) =>
  fc.oneof(fc.constantFrom(...POLLUTING_KEYS, ...names), hostileText);

const jsonText = (names: readonly string[]) =>
  fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom("null", "true", "false", "0", "-0", "1e400", "-1", "2147483648"),
      fc.double().map((n) => JSON.stringify(n)),
      fc.bigInt().map(String),
      hostileText.map((text) => JSON.stringify(text)),
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    object: fc
      .array(fc.tuple(key(names), tie("value")), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  })).value;

/** `args` as JSON text: random, or the valid example with one parameter replaced or added. */
const argsText = (example: Record<string, unknown>) => {
  const names = Object.keys(example);
  const value = jsonText(names);
  const mutated = fc.tuple(key(names), value).map(([name, replacement]) => {
    const entries = Object.entries(example).map(
      ([k, v]) => [k, JSON.stringify(v)] as [string, string],
    );
    const at = entries.findIndex(([k]) => k === name);
    if (at >= 0) entries[at] = [name, replacement];
    else entries.push([name, replacement]);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
  });
  return fc.oneof(mutated, value);
};

/** The envelope: usually `{"args": ..., "meta": {}}`, sometimes with a hostile `meta`. */
const bodyText = (example: Record<string, unknown>) =>
  fc
    .tuple(argsText(example), fc.oneof(fc.constant("{}"), jsonText([])))
    .map(([args, meta]) => `{"args":${args},"meta":${meta}}`);

// Known shapes of prototype pollution, always tried first.
const POLLUTION_ATTEMPTS = [
  '{"args":{"__proto__":{"polluted":"yes"}},"meta":{}}',
  '{"args":{"constructor":{"prototype":{"polluted":"yes"}}},"meta":{}}',
  '{"__proto__":{"polluted":"yes"},"args":{},"meta":{"__proto__":{"polluted":"yes"}}}',
];

async function send(silo: Silo, path: string, body: string) {
  const bytes = Buffer.from(body, "utf8");
  const response = await fetch(`${silo.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signRequest(SECRET, path, bytes) },
    body: bytes,
  });
  return { status: response.status, text: await response.text() };
}

const prototypes = {
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
};
const prototypeKeys = () =>
  Object.fromEntries(
    Object.entries(prototypes).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String)]),
  );

describe.each(testEngines)("random JSON at every method through the endpoint [%s]", (engine) => {
  const silo = suiteResource(
    () => startSilo(engine),
    (made) => stopSilo(made),
  ).get;

  it("covers every method of every service", () => {
    const declared = contracts.flatMap((service) =>
      Object.keys(service.methods).map((name) => `${service.key}.${name}`),
    );
    expect(methods.map((method) => method.name).sort()).toEqual(declared.sort());
  });

  it.each(methods.map((method) => [method.name, method] as const))(
    "%s: no 5xx, and nothing reaches a prototype",
    async (_name, method) => {
      const before = prototypeKeys();
      await fc.assert(
        fc.asyncProperty(bodyText(method.example), async (body) => {
          const { status, text } = await send(silo(), method.path, body);
          expect(status, `${body} -> ${status} ${text}`).toBeLessThan(500);
          // Every answer is the protocol's envelope: a value or an error with a code.
          const answer = JSON.parse(text) as { value?: unknown; error?: { code?: unknown } };
          expect("value" in answer || typeof answer.error?.code === "string", text).toBe(true);
        }),
        {
          numRuns: RUNS_PER_METHOD,
          examples: POLLUTION_ATTEMPTS.map((body) => [body]),
        },
      );
      expect(prototypeKeys()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  // demo:start
  it.each([
    [
      "an object with a length where a string goes",
      '{"slug":{"length":{"toString":1}}}',
      /slug|\(input\)/,
    ],
    ["U+0000 in a string", '{"slug":"a\\u0000b"}', /slug: The text contains U\+0000/],
    ["a lone surrogate", '{"slug":"\\ud800"}', /slug: The text contains a lone UTF-16 surrogate/],
  ])("answers 400 to the fuzzers' first finds: %s", async (_case, args, message) => {
    const { status, text } = await send(
      silo(),
      "/api/0/internal/rpc/organization/getOrgBySlug/",
      `{"args":${args},"meta":{}}`,
    );
    expect(status, text).toBe(400);
    expect(JSON.parse(text).error).toMatchObject({ code: "BAD_REQUEST", message });
  });
  // demo:end

  it("keeps serving: each method's example call still answers as before the fuzzing", async () => {
    for (const method of methods) {
      const { status, text } = await send(
        silo(),
        method.path,
        JSON.stringify({ args: method.example, meta: {} }),
      );
      expect(status, `${method.name}: ${text}`).toBeLessThan(500);
    }
    // demo:start
    const acme = await send(
      silo(),
      "/api/0/internal/rpc/organization/getOrgBySlug/",
      '{"args":{"slug":"acme"},"meta":{}}',
    );
    expect(acme.status).toBe(200);
    expect(JSON.parse(acme.text)).toMatchObject({ value: { slug: "acme" } });
    // demo:end
  });
});
