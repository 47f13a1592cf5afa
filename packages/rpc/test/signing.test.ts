// Request signatures: the documented test vectors, and every rule SignatureVerifier enforces.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  rpc0Signature,
  rpc1Signature,
  SignatureVerifier,
  signRequest,
  type Verification,
  type VerifierOptions,
} from "../src/signing.ts";

// ---------------------------------------------------------------------------------------------
// Test vectors: test/vectors.json, docs/wire-protocol.md and the implementation must agree.

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
const vectorFields = {
  id: z.string(),
  name: z.string(),
  secret: z.string().min(1),
  path: z.string().startsWith("/api/0/internal/rpc/"),
  body: z.string(),
  bodyBytes: z.number().int().nonnegative(),
  signature: hex64,
};
const vectorsSchema = z.strictObject({
  rpc1: z
    .array(
      z.strictObject({
        ...vectorFields,
        timestamp: z.number().int().positive(),
        nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
        /** X-Rpc-Budget-Ms, when the vector's request carries one (it is then signed). */
        budgetMs: z.number().int().min(1).max(999_999_999).optional(),
      }),
    )
    .min(4),
  rpc0: z.array(z.strictObject(vectorFields)).min(2),
});

const vectors = vectorsSchema.parse(
  JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8")),
);
const allVectors = [...vectors.rpc1, ...vectors.rpc0];
const doc = readFileSync(new URL("../../../docs/wire-protocol.md", import.meta.url), "utf8");

/** The part of the document under the `#### {id}: ...` heading, up to the next heading. */
function docSection(id: string): string {
  const start = doc.indexOf(`\n#### ${id}: `);
  if (start === -1) throw new Error(`docs/wire-protocol.md has no "#### ${id}: ..." heading.`);
  const rest = doc.slice(start + 1);
  const headingEnd = rest.indexOf("\n");
  const end = rest.slice(headingEnd).search(/^#{1,4} /m);
  return end === -1 ? rest : rest.slice(0, headingEnd + end);
}

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");
/** Whether the text has a character outside ASCII (its UTF-8 is then longer than its UTF-16). */
const nonAscii = (text: string): boolean => Buffer.byteLength(text, "utf8") !== text.length;

describe("test vectors", () => {
  it("cover the cases the protocol calls out", () => {
    const rpc1 = vectors.rpc1;
    expect(rpc1.some((v) => v.body === '{"args":{},"meta":{}}')).toBe(true);
    expect(rpc1.some((v) => nonAscii(v.body))).toBe(true);
    expect(rpc1.some((v) => !v.path.endsWith("/"))).toBe(true);
    expect(rpc1.some((v) => nonAscii(v.secret))).toBe(true);
    expect(rpc1.some((v) => v.budgetMs !== undefined)).toBe(true);
    expect(rpc1.some((v) => v.budgetMs === 999_999_999)).toBe(true);
    expect(new Set(allVectors.map((v) => v.id)).size).toBe(allVectors.length);
  });

  it("give each body's exact UTF-8 byte length", () => {
    for (const vector of allVectors) {
      expect(utf8(vector.body).byteLength, vector.id).toBe(vector.bodyBytes);
    }
  });

  it("are in docs/wire-protocol.md, exactly those and nothing else", () => {
    const documented = [...doc.matchAll(/^#### (rpc[01]-\d+): /gm)].map((match) => match[1]);
    expect(documented).toEqual(allVectors.map((vector) => vector.id));
  });

  it.each(allVectors.map((vector) => [vector.id, vector] as const))(
    "%s appears verbatim in docs/wire-protocol.md",
    (_id, vector) => {
      const section = docSection(vector.id);
      expect(section).toContain(vector.secret);
      expect(section).toContain(vector.path);
      expect(section).toContain(vector.signature);
      expect(section).toContain(JSON.stringify(vector.body));
      expect(section).toContain(`"bodyBytes": ${vector.bodyBytes}`);
      const kind = vector.id.startsWith("rpc1") ? "rpc1" : "rpc0";
      expect(section).toContain(`Authorization: Rpcsignature ${kind}:${vector.signature}`);
      if ("nonce" in vector && "timestamp" in vector) {
        expect(section).toContain(String(vector.nonce));
        expect(section).toContain(String(vector.timestamp));
        const budgetMs = vectors.rpc1.find((v) => v.id === vector.id)?.budgetMs;
        if (budgetMs !== undefined) {
          expect(section).toContain(`X-Rpc-Budget-Ms: ${budgetMs}`);
          // The signed bytes shown start with timestamp:nonce:budget:path:.
          expect(section).toContain(
            `${vector.timestamp}:${vector.nonce}:${budgetMs}:${vector.path}:`,
          );
        }
      }
      // The JSON block under the heading is the vector itself.
      const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
      expect(block, "a ```json block").toBeDefined();
      expect(JSON.parse(block ?? "null")).toEqual(vector);
    },
  );

  it.each(vectors.rpc1.map((vector) => [vector.id, vector] as const))(
    "rpc1Signature matches %s",
    (_id, vector) => {
      const { secret, timestamp, nonce, budgetMs, path } = vector;
      expect(
        rpc1Signature({ secret, timestamp, nonce, budgetMs, path, body: utf8(vector.body) }),
      ).toBe(vector.signature);
    },
  );

  it.each(vectors.rpc1.map((vector) => [vector.id, vector] as const))(
    "signRequest produces the headers of %s",
    (_id, vector) => {
      // Any instant within the vector's second signs with that second.
      const headers = signRequest(vector.secret, vector.path, utf8(vector.body), {
        now: vector.timestamp * 1000 + 999,
        nonce: vector.nonce,
        budgetMs: vector.budgetMs,
      });
      expect(headers).toEqual({
        "x-rpc-timestamp": String(vector.timestamp),
        "x-rpc-nonce": vector.nonce,
        ...(vector.budgetMs === undefined ? {} : { "x-rpc-budget-ms": String(vector.budgetMs) }),
        authorization: `Rpcsignature rpc1:${vector.signature}`,
      });
    },
  );

  it.each(vectors.rpc1.map((vector) => [vector.id, vector] as const))(
    "SignatureVerifier accepts %s",
    (_id, vector) => {
      const verifier = new SignatureVerifier({
        secrets: [vector.secret],
        maxClockSkewSeconds: 300,
        acceptRpc0: false,
        now: () => vector.timestamp * 1000,
      });
      const headers: Record<string, string> = {
        "x-rpc-timestamp": String(vector.timestamp),
        "x-rpc-nonce": vector.nonce,
        ...(vector.budgetMs === undefined ? {} : { "x-rpc-budget-ms": String(vector.budgetMs) }),
        authorization: `Rpcsignature rpc1:${vector.signature}`,
      };
      expect(
        verifier.verify({
          path: vector.path,
          body: utf8(vector.body),
          header: (name) => headers[name],
        }),
      ).toEqual(
        vector.budgetMs === undefined ? { ok: true } : { ok: true, budgetMs: vector.budgetMs },
      );
    },
  );

  it.each(vectors.rpc0.map((vector) => [vector.id, vector] as const))(
    "rpc0Signature matches %s, and a silo accepting rpc0 verifies it",
    (_id, vector) => {
      const body = utf8(vector.body);
      expect(rpc0Signature(vector.secret, vector.path, body)).toBe(vector.signature);
      const verifier = new SignatureVerifier({
        secrets: [vector.secret],
        maxClockSkewSeconds: 300,
        acceptRpc0: true,
      });
      const authorization = `Rpcsignature rpc0:${vector.signature}`;
      expect(
        verifier.verify({
          path: vector.path,
          body,
          header: (name) => (name === "authorization" ? authorization : undefined),
        }),
      ).toEqual({ ok: true });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// SignatureVerifier

const SECRET = "current-secret";
const OLD_SECRET = "previous-secret";
const T = 1_767_225_600; // 2026-01-01T00:00:00Z, in seconds
const PATH = "/api/0/internal/rpc/note/get/";
const BODY = utf8('{"args":{"slug":"acme","id":1},"meta":{}}');

function verifier(options: Partial<VerifierOptions> = {}): SignatureVerifier {
  return new SignatureVerifier({
    secrets: [SECRET],
    maxClockSkewSeconds: 300,
    acceptRpc0: false,
    now: () => T * 1000,
    ...options,
  });
}

let nonces = 0;
/** A valid nonce never used before in this file. */
const freshNonce = (): string => `test-nonce-${String(++nonces).padStart(8, "0")}`;

interface Signed {
  readonly path: string;
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
}

/** An rpc1-signed request: by default signed correctly with SECRET at time T. */
function signed({
  secret = SECRET,
  timestamp = T,
  nonce = freshNonce(),
  path = PATH,
  body = BODY,
}: {
  secret?: string;
  timestamp?: number;
  nonce?: string;
  path?: string;
  body?: Uint8Array;
} = {}): Signed {
  return { path, body, headers: signRequest(secret, path, body, { now: timestamp * 1000, nonce }) };
}

/** The request as the verifier sees it, with header overrides (undefined: header absent). */
function asReceived(
  { path, body, headers }: Signed,
  changes: { path?: string; body?: Uint8Array; headers?: Record<string, string | undefined> } = {},
) {
  const all: Record<string, string | undefined> = { ...headers, ...changes.headers };
  return {
    path: changes.path ?? path,
    body: changes.body ?? body,
    header: (name: string) => all[name],
  };
}

function rejection(result: Verification | Promise<Verification>): string {
  // The in-memory store answers at once: a promise here would be a slower hot path.
  if (result instanceof Promise)
    throw new Error("verify answered a promise without a shared store");
  expect(result.ok, "the request should have been rejected").toBe(false);
  return result.ok ? "" : result.reason;
}

describe("SignatureVerifier", () => {
  it("accepts a correctly signed rpc1 request", () => {
    expect(verifier().verify(asReceived(signed()))).toEqual({ ok: true });
  });

  it("rejects a request without Authorization", () => {
    const result = verifier().verify(
      asReceived(signed(), { headers: { authorization: undefined } }),
    );
    expect(rejection(result)).toMatch(/missing Authorization header/);
  });

  const hex = rpc1Signature({
    secret: SECRET,
    timestamp: T,
    nonce: "x".repeat(16),
    path: PATH,
    body: BODY,
  });
  it.each([
    ["another scheme", `Bearer ${hex}`],
    ["no scheme", `rpc1:${hex}`],
    ["lowercase scheme", `rpcsignature rpc1:${hex}`],
    ["unknown version", `Rpcsignature rpc2:${hex}`],
    ["uppercase hex", `Rpcsignature rpc1:${hex.toUpperCase()}`],
    ["short hex", `Rpcsignature rpc1:${hex.slice(1)}`],
    ["long hex", `Rpcsignature rpc1:${hex}0`],
    ["non-hex digit", `Rpcsignature rpc1:${hex.slice(1)}g`],
    ["two spaces", `Rpcsignature  rpc1:${hex}`],
    ["trailing space", `Rpcsignature rpc1:${hex} `],
    ["empty", ""],
  ])("rejects a malformed Authorization header (%s)", (_case, authorization) => {
    const result = verifier().verify(asReceived(signed(), { headers: { authorization } }));
    expect(rejection(result)).toMatch(/malformed Authorization header/);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["fractional", `${T}.5`],
    ["negative", `-${T}`],
    ["exponent", "1.7e9"],
    ["hexadecimal", "0x6955b900"],
    ["padded", ` ${T}`],
    ["13 digits", `${T}000`],
  ])("rejects a %s X-Rpc-Timestamp", (_case, timestamp) => {
    const result = verifier().verify(
      asReceived(signed(), { headers: { "x-rpc-timestamp": timestamp } }),
    );
    expect(rejection(result)).toMatch(/malformed X-Rpc-Timestamp/);
  });

  it("accepts timestamps up to the allowed skew on either side of its clock", () => {
    for (const offset of [-300, -1, 0, 1, 300]) {
      const result = verifier({ now: () => (T + offset) * 1000 }).verify(asReceived(signed()));
      expect(result, `clock ${offset} s from the timestamp`).toEqual({ ok: true });
    }
  });

  it("verifies over the timestamp's digits as sent: a leading zero is signed, not re-signed away", () => {
    const nonce = freshNonce();
    const sentAs = `0${T}`; // the same second, one more digit
    const overSent = rpc1Signature({
      secret: SECRET,
      timestamp: sentAs,
      nonce,
      path: PATH,
      body: BODY,
    });
    const overNumber = rpc1Signature({
      secret: SECRET,
      timestamp: T,
      nonce,
      path: PATH,
      body: BODY,
    });
    const received = (hex: string) =>
      asReceived(signed({ nonce }), {
        headers: { "x-rpc-timestamp": sentAs, authorization: `Rpcsignature rpc1:${hex}` },
      });
    expect(verifier().verify(received(overSent))).toEqual({ ok: true });
    expect(rejection(verifier().verify(received(overNumber)))).toBe("signature does not match");
  });

  it("rejects a timestamp too old", () => {
    const result = verifier({ now: () => (T + 301) * 1000 }).verify(asReceived(signed()));
    expect(rejection(result)).toMatch(/timestamp is more than 300 s away/);
  });

  it("rejects a timestamp too far in the future", () => {
    const result = verifier({ now: () => (T - 301) * 1000 }).verify(asReceived(signed()));
    expect(rejection(result)).toMatch(/timestamp is more than 300 s away/);
  });

  it("applies the configured skew", () => {
    const strict = verifier({ maxClockSkewSeconds: 5, now: () => (T + 6) * 1000 });
    expect(rejection(strict.verify(asReceived(signed())))).toMatch(/more than 5 s away/);
    const lenient = verifier({ maxClockSkewSeconds: 5, now: () => (T + 5) * 1000 });
    expect(lenient.verify(asReceived(signed()))).toEqual({ ok: true });
  });

  it.each([
    ["missing", undefined],
    ["too short (15 characters)", "a".repeat(15)],
    ["too long (65 characters)", "a".repeat(65)],
    ["containing a dot", "nonce.with.dot.0001"],
    ["containing spaces", "nonce with spaces 01"],
    ["in standard base64", "abc+def/ghi=jklmn"],
    ["non-ASCII", "nonce-é-0123456789"],
  ])("rejects a nonce %s", (_case, nonce) => {
    // Signed with that very nonce, so only its format can be the reason.
    const request = signed({ nonce: nonce ?? freshNonce() });
    const result = verifier().verify(
      asReceived(request, nonce === undefined ? { headers: { "x-rpc-nonce": undefined } } : {}),
    );
    expect(rejection(result)).toMatch(/malformed X-Rpc-Nonce/);
  });

  it("accepts nonces of 16 and of 64 characters of [A-Za-z0-9_-]", () => {
    const check = verifier();
    for (const nonce of ["a".repeat(16), `Az09_-${"b".repeat(58)}`]) {
      expect(check.verify(asReceived(signed({ nonce })))).toEqual({ ok: true });
    }
  });

  it("rejects a replayed request (the second of two identical requests)", () => {
    const check = verifier();
    const request = signed();
    expect(check.verify(asReceived(request))).toEqual({ ok: true });
    expect(rejection(check.verify(asReceived(request)))).toMatch(/replayed/);
  });

  it("signs X-Rpc-Budget-Ms: a changed, added or removed budget does not match", () => {
    const nonce = freshNonce();
    const request = {
      path: PATH,
      body: BODY,
      headers: signRequest(SECRET, PATH, BODY, { now: T * 1000, nonce, budgetMs: 1500 }),
    };
    expect(request.headers["x-rpc-budget-ms"]).toBe("1500");
    for (const budget of ["15000", undefined]) {
      const tampered = asReceived(request, { headers: { "x-rpc-budget-ms": budget } });
      expect(rejection(verifier().verify(tampered)), `budget ${budget}`).toBe(
        "signature does not match",
      );
    }
    const unbudgeted = signed({ nonce: freshNonce() });
    const added = asReceived(unbudgeted, { headers: { "x-rpc-budget-ms": "1500" } });
    expect(rejection(verifier().verify(added))).toBe("signature does not match");
    expect(verifier().verify(asReceived(request))).toEqual({ ok: true, budgetMs: 1500 });
  });

  it.each([
    ["empty", ""],
    ["zero", "0"],
    ["with a leading zero", "01500"],
    ["negative", "-1500"],
    ["fractional", "1500.5"],
    ["with spaces", " 1500"],
    ["10 digits", "1000000000"],
    ["sent twice (joined as HTTP joins them)", "1500, 1500"],
  ])("rejects a malformed X-Rpc-Budget-Ms (%s) before checking the signature", (_case, budget) => {
    const request = signed();
    const result = verifier().verify(
      asReceived(request, { headers: { "x-rpc-budget-ms": budget } }),
    );
    expect(rejection(result)).toBe("malformed X-Rpc-Budget-Ms header");
  });

  it("signRequest refuses a budget the header cannot carry", () => {
    for (const budgetMs of [0, -1, 1.5, 1_000_000_000]) {
      expect(() => signRequest(SECRET, PATH, BODY, { budgetMs }), String(budgetMs)).toThrow(
        RangeError,
      );
    }
  });

  it("rejects a nonce reused with another body, even correctly signed", () => {
    const check = verifier();
    const nonce = freshNonce();
    expect(check.verify(asReceived(signed({ nonce })))).toEqual({ ok: true });
    const other = signed({ nonce, body: utf8('{"args":{"slug":"acme","id":2},"meta":{}}') });
    expect(rejection(check.verify(asReceived(other)))).toMatch(/replayed/);
  });

  it("does not consume the nonce of a rejected request", () => {
    const check = verifier();
    const nonce = freshNonce();
    expect(rejection(check.verify(asReceived(signed({ nonce, secret: "wrong-secret" }))))).toMatch(
      /signature does not match/,
    );
    expect(check.verify(asReceived(signed({ nonce })))).toEqual({ ok: true });
  });

  it.each([
    ["on the receiver's time", T],
    ["300 s ahead of the receiver's clock", T - 300],
    ["300 s behind the receiver's clock", T + 300],
  ])(
    "refuses a copy of a request timestamped %s at every instant its timestamp is accepted",
    (_case, first) => {
      // The receiver's clock when it first accepts the request, then until the timestamp is stale.
      let now = first * 1000;
      const check = verifier({ now: () => now });
      const request = signed();
      expect(check.verify(asReceived(request))).toEqual({ ok: true });
      for (now = first * 1000; now <= (T + 300) * 1000; now += 7_000)
        expect(rejection(check.verify(asReceived(request)))).toMatch(/replayed/);
      now = (T + 300) * 1000;
      expect(rejection(check.verify(asReceived(request)))).toMatch(/replayed/);
      // One millisecond later the timestamp is stale: refused by the clock, the nonce let go.
      now = (T + 300) * 1000 + 1;
      expect(rejection(check.verify(asReceived(request)))).toMatch(/more than 300 s away/);
      now = (T + 302) * 1000;
      expect(check.verify(asReceived(signed({ timestamp: T + 302 })))).toEqual({ ok: true });
      expect(check.rememberedNonces).toBe(1);
    },
  );

  it("driven past maxNonces, refuses new requests as busy and forgets no live nonce", () => {
    let now = T * 1000;
    const check = verifier({ maxNonces: 100, now: () => now });
    // The first 50 a minute before the rest: they expire first, making room first.
    const requests = Array.from({ length: 100 }, (_, i) =>
      signed({ timestamp: i < 50 ? T : T + 60 }),
    );
    for (const [i, request] of requests.entries()) {
      now = (i < 50 ? T : T + 60) * 1000;
      expect(check.verify(asReceived(request))).toEqual({ ok: true });
    }
    // Full: 1,000 more valid requests are refused, and every remembered one stays a replay.
    for (let i = 0; i < 1000; i++) {
      const busy = check.verify(asReceived(signed({ timestamp: T + 60 })));
      expect(busy).toMatchObject({ ok: false, busy: true, retryAfterSeconds: 241 });
      expect(rejection(busy)).toMatch(/remembers 100 unexpired nonces.*RPC_MAX_NONCES/);
    }
    for (const request of requests)
      expect(rejection(check.verify(asReceived(request)))).toMatch(/replayed/);
    expect(check.rememberedNonces).toBe(100);
    // When the first 50 expire, 50 new requests fit, and the 51st waits for the rest.
    now = (T + 301) * 1000;
    for (let i = 0; i < 50; i++)
      expect(check.verify(asReceived(signed({ timestamp: T + 301 })))).toEqual({ ok: true });
    expect(check.verify(asReceived(signed({ timestamp: T + 301 })))).toMatchObject({
      busy: true,
      retryAfterSeconds: 60,
    });
    for (const request of requests.slice(50))
      expect(rejection(check.verify(asReceived(request)))).toMatch(/replayed/);
  });

  it("rejects a request signed with another secret", () => {
    const result = verifier().verify(asReceived(signed({ secret: "not-the-secret" })));
    expect(rejection(result)).toMatch(/signature does not match/);
  });

  it("rejects a tampered body", () => {
    const result = verifier().verify(
      asReceived(signed(), { body: utf8('{"args":{"slug":"acme","id":2},"meta":{}}') }),
    );
    expect(rejection(result)).toMatch(/signature does not match/);
  });

  it("rejects a body with a byte appended", () => {
    const result = verifier().verify(
      asReceived(signed(), { body: Buffer.concat([BODY, utf8("\n")]) }),
    );
    expect(rejection(result)).toMatch(/signature does not match/);
  });

  it.each([
    ["another method", "/api/0/internal/rpc/note/add/"],
    ["the trailing slash removed", "/api/0/internal/rpc/note/get"],
    ["a path prefix", `/prefix${PATH}`],
  ])("rejects a tampered path (%s)", (_case, path) => {
    const result = verifier().verify(asReceived(signed(), { path }));
    expect(rejection(result)).toMatch(/signature does not match/);
  });

  it("rejects a tampered timestamp or nonce", () => {
    const check = verifier();
    const request = signed();
    expect(
      rejection(
        check.verify(asReceived(request, { headers: { "x-rpc-timestamp": String(T + 1) } })),
      ),
    ).toMatch(/signature does not match/);
    expect(
      rejection(check.verify(asReceived(request, { headers: { "x-rpc-nonce": freshNonce() } }))),
    ).toMatch(/signature does not match/);
  });

  describe("secret rotation", () => {
    it("step 1 (old,new): requests signed with either secret verify", () => {
      const check = verifier({ secrets: [OLD_SECRET, SECRET] });
      expect(check.verify(asReceived(signed({ secret: OLD_SECRET })))).toEqual({ ok: true });
      expect(check.verify(asReceived(signed({ secret: SECRET })))).toEqual({ ok: true });
    });

    it("step 2 (new,old): a request signed with the old secret, listed second, verifies", () => {
      const check = verifier({ secrets: [SECRET, OLD_SECRET] });
      expect(check.verify(asReceived(signed({ secret: OLD_SECRET })))).toEqual({ ok: true });
      expect(check.verify(asReceived(signed({ secret: SECRET })))).toEqual({ ok: true });
    });

    it("step 3 (new): once the old secret is removed, its signatures fail", () => {
      const check = verifier({ secrets: [SECRET] });
      expect(rejection(check.verify(asReceived(signed({ secret: OLD_SECRET }))))).toMatch(
        /signature does not match/,
      );
    });
  });

  describe("rpc0", () => {
    const rpc0 = (secret = SECRET, path = PATH, body: Uint8Array = BODY) =>
      asReceived({
        path,
        body,
        headers: { authorization: `Rpcsignature rpc0:${rpc0Signature(secret, path, body)}` },
      });

    it("is rejected by default", () => {
      expect(rejection(verifier().verify(rpc0()))).toMatch(
        /rpc0 signatures are not accepted by this silo/,
      );
    });

    it("is accepted with acceptRpc0, without timestamp or nonce", () => {
      expect(verifier({ acceptRpc0: true }).verify(rpc0())).toEqual({ ok: true });
    });

    it("is checked against every secret", () => {
      const check = verifier({ acceptRpc0: true, secrets: [SECRET, OLD_SECRET] });
      expect(check.verify(rpc0(OLD_SECRET))).toEqual({ ok: true });
      expect(rejection(check.verify(rpc0("not-the-secret")))).toMatch(/signature does not match/);
    });

    it("rejects a tampered body or path", () => {
      const check = verifier({ acceptRpc0: true });
      const request = rpc0();
      expect(rejection(check.verify({ ...request, body: utf8('{"args":{},"meta":{}}') }))).toMatch(
        /signature does not match/,
      );
      expect(
        rejection(check.verify({ ...request, path: "/api/0/internal/rpc/note/add/" })),
      ).toMatch(/signature does not match/);
    });

    it("has no replay protection (why it is off by default)", () => {
      const check = verifier({ acceptRpc0: true });
      const request = rpc0();
      expect(check.verify(request)).toEqual({ ok: true });
      expect(check.verify(request)).toEqual({ ok: true });
    });
  });
});

describe("signRequest", () => {
  it("signs with whole seconds and a fresh, valid nonce by default", () => {
    const first = signRequest(SECRET, PATH, BODY);
    const second = signRequest(SECRET, PATH, BODY);
    for (const headers of [first, second]) {
      expect(headers["x-rpc-timestamp"]).toMatch(/^\d{10}$/);
      expect(headers["x-rpc-nonce"]).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(headers.authorization).toMatch(/^Rpcsignature rpc1:[0-9a-f]{64}$/);
    }
    expect(first["x-rpc-nonce"]).not.toBe(second["x-rpc-nonce"]);
    expect(
      verifier({ now: Date.now }).verify(asReceived({ path: PATH, body: BODY, headers: first })),
    ).toEqual({
      ok: true,
    });
  });

  it("draws every default nonce fresh, across the batches its random bytes come in", () => {
    // 18 random bytes as base64url per nonce, from batches of 128: 1,000 cross seven refills.
    const nonces = Array.from(
      { length: 1000 },
      () => signRequest(SECRET, PATH, BODY)["x-rpc-nonce"] as string,
    );
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(nonces).size).toBe(1000);
  });
});
