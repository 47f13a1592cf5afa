// Request signatures (docs/wire-protocol.md, "Signature").
import { createHmac, randomFillSync, timingSafeEqual } from "node:crypto";
import type { ReplayUnavailablePolicy } from "./config.ts";
import { NonceStore } from "./nonce-store.ts";
import type { ReplayClaim, SharedReplayStore } from "./replay-store.ts";

export const TIMESTAMP_HEADER = "x-rpc-timestamp";
export const NONCE_HEADER = "x-rpc-nonce";
/** The caller's remaining time budget in milliseconds (docs/wire-protocol.md §3), signed. */
export const BUDGET_HEADER = "x-rpc-budget-ms";
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** 1 to 999,999,999 ms: decimal digits, no sign, no leading zero, at most 9 of them. */
const BUDGET = /^[1-9][0-9]{0,8}$/;
/** The largest budget the header can carry (about 11.5 days). */
export const MAX_BUDGET_HEADER_MS = 999_999_999;
const RPC1 = /^Rpcsignature rpc1:([0-9a-f]{64})$/;
const RPC0 = /^Rpcsignature rpc0:([0-9a-f]{64})$/;

export interface SignatureInput {
  readonly secret: string;
  /** Signed as its decimal digits; a receiver passes the header's text, digits as sent. */
  readonly timestamp: number | string;
  readonly nonce: string;
  /** `X-Rpc-Budget-Ms` as sent, when the request carries one: it is then signed too. */
  readonly budgetMs?: number | string | undefined;
  /** The request path exactly as sent: no scheme, host or query. */
  readonly path: string;
  readonly body: Uint8Array;
}

/**
 * rpc1: lowercase hex HMAC-SHA256 of `{timestamp}:{nonce}:{path}:`, or with a budget
 * `{timestamp}:{nonce}:{budget}:{path}:`, followed by the raw body. The two forms cannot be
 * confused: a path starts with `/`, a budget with a digit.
 */
export function rpc1Signature({
  secret,
  timestamp,
  nonce,
  budgetMs,
  path,
  body,
}: SignatureInput): string {
  const prefix =
    budgetMs === undefined
      ? `${timestamp}:${nonce}:${path}:`
      : `${timestamp}:${nonce}:${budgetMs}:${path}:`;
  return createHmac("sha256", secret).update(prefix).update(body).digest("hex");
}

/** rpc0 (Sentry's scheme, no replay protection): HMAC-SHA256 of `{path}:` followed by the body. */
export function rpc0Signature(secret: string, path: string, body: Uint8Array): string {
  return createHmac("sha256", secret).update(`${path}:`).update(body).digest("hex");
}

const NONCE_BYTES = 18;
const nonceEntropy = Buffer.alloc(NONCE_BYTES * 128);
let nonceOffset = nonceEntropy.length;

/**
 * A new nonce: 18 random bytes as base64url (24 characters). The bytes come from the CSPRNG in
 * batches of 128 nonces, as Node's randomUUID batches its own: one randomBytes call per nonce
 * was a system call each, 5 µs of a 9 µs signature on this project's machine.
 */
function newNonce(): string {
  if (nonceOffset === nonceEntropy.length) {
    randomFillSync(nonceEntropy);
    nonceOffset = 0;
  }
  const nonce = nonceEntropy.toString("base64url", nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/**
 * The headers that sign a request with the first (current) secret; with `budgetMs` (a whole
 * number of milliseconds, 1 to 999,999,999), the signed X-Rpc-Budget-Ms too.
 */
export function signRequest(
  secret: string,
  path: string,
  body: Uint8Array,
  {
    now = Date.now(),
    nonce = newNonce(),
    budgetMs,
  }: { now?: number; nonce?: string; budgetMs?: number | undefined } = {},
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const budget = budgetMs === undefined ? undefined : String(budgetMs);
  if (budget !== undefined && !BUDGET.test(budget)) {
    throw new RangeError(`A budget is 1 to ${MAX_BUDGET_HEADER_MS} whole ms, not ${budgetMs}.`);
  }
  const signature = rpc1Signature({ secret, timestamp, nonce, budgetMs: budget, path, body });
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [NONCE_HEADER]: nonce,
    ...(budget === undefined ? {} : { [BUDGET_HEADER]: budget }),
    authorization: `Rpcsignature rpc1:${signature}`,
  };
}

export interface VerifierOptions {
  readonly secrets: readonly string[];
  readonly maxClockSkewSeconds: number;
  readonly acceptRpc0: boolean;
  /**
   * Bound on remembered nonces (default 4,000,000: about 100 MB at most, see NonceStore). When that many
   * are unexpired, new requests are refused as busy until the oldest expires; none is forgotten.
   */
  readonly maxNonces?: number;
  /**
   * The store every replica of this silo shares: when set, a nonce is accepted once across them
   * all, and `verify` answers a promise for rpc1 requests that reach the replay check.
   */
  readonly shared?: SharedReplayStore | undefined;
  /**
   * While `shared` cannot be reached: refuse (default), or check against this process's memory
   * only. With the latter, every nonce accepted is also remembered in this process.
   */
  readonly whenSharedUnavailable?: ReplayUnavailablePolicy;
  readonly now?: () => number;
}

export type Verification =
  /** `budgetMs`: the X-Rpc-Budget-Ms the request carries (signed), when it has one. */
  | { readonly ok: true; readonly budgetMs?: number }
  | { readonly ok: false; readonly reason: string }
  /** Valid, but every remembered nonce is still live: try again after `retryAfterSeconds`. */
  | {
      readonly ok: false;
      readonly busy: true;
      readonly reason: string;
      readonly retryAfterSeconds: number;
    }
  /** Valid, but the shared replay store could not be reached (and the policy is to refuse). */
  | { readonly ok: false; readonly unavailable: true; readonly reason: string };

const ACCEPTED: Verification = { ok: true };
const REPLAYED: Verification = { ok: false, reason: "nonce was already used (replayed request)" };

/** The default bound on remembered nonces: 4,000,000 × 24 bytes, about 100 MB at most. */
export const DEFAULT_MAX_NONCES = 4_000_000;

/**
 * Checks a request's signature against every configured secret (constant-time), its timestamp
 * against the clock, and its nonce against those accepted within the window (replay).
 */
export class SignatureVerifier {
  readonly #options: VerifierOptions;
  readonly #now: () => number;
  // Accepted nonces with their expiry (ms).
  readonly #nonces: NonceStore;
  readonly #maxNonces: number;
  readonly #shared: SharedReplayStore | undefined;
  readonly #localCheck: boolean;

  constructor(options: VerifierOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxNonces = options.maxNonces ?? DEFAULT_MAX_NONCES;
    this.#nonces = new NonceStore({ maxEntries: this.#maxNonces });
    this.#shared = options.shared;
    this.#localCheck = options.whenSharedUnavailable === "accept-with-local-check";
  }

  /** How many accepted nonces are remembered now (at most maxNonces). */
  get rememberedNonces(): number {
    return this.#nonces.size;
  }

  /**
   * The verdict on a request: at once with the in-memory store (and for every refusal before the
   * replay check), a promise when a shared store is asked.
   */
  verify(request: {
    path: string;
    body: Uint8Array;
    header: (name: string) => string | undefined;
  }): Verification | Promise<Verification> {
    const authorization = request.header("authorization");
    if (authorization === undefined) return { ok: false, reason: "missing Authorization header" };
    const rpc1 = RPC1.exec(authorization);
    if (rpc1 === null) {
      const rpc0 = RPC0.exec(authorization);
      if (rpc0 !== null) return this.#verifyRpc0(rpc0[1] as string, request.path, request.body);
      return {
        ok: false,
        reason: "malformed Authorization header (expected Rpcsignature rpc1:<hex>)",
      };
    }
    const timestampText = request.header(TIMESTAMP_HEADER);
    const nonce = request.header(NONCE_HEADER);
    if (timestampText === undefined || !/^\d{1,12}$/.test(timestampText)) {
      return { ok: false, reason: "missing or malformed X-Rpc-Timestamp header" };
    }
    if (nonce === undefined || !NONCE.test(nonce)) {
      return { ok: false, reason: "missing or malformed X-Rpc-Nonce header" };
    }
    const budgetText = request.header(BUDGET_HEADER);
    if (budgetText !== undefined && !BUDGET.test(budgetText)) {
      return { ok: false, reason: "malformed X-Rpc-Budget-Ms header" };
    }
    const timestamp = Number(timestampText);
    const now = this.#now();
    const skew = this.#options.maxClockSkewSeconds;
    if (Math.abs(now / 1000 - timestamp) > skew) {
      return { ok: false, reason: `timestamp is more than ${skew} s away from this silo's clock` };
    }
    const given = Buffer.from(rpc1[1] as string, "hex");
    const matches = this.#options.secrets.some((secret) =>
      timingSafeEqual(
        given,
        Buffer.from(
          // Over the digits as sent (docs/wire-protocol.md §5): "0123" is not re-signed as "123".
          rpc1Signature({
            secret,
            timestamp: timestampText,
            nonce,
            budgetMs: budgetText,
            path: request.path,
            body: request.body,
          }),
          "hex",
        ),
      ),
    );
    if (!matches) return { ok: false, reason: "signature does not match" };
    if (this.#shared !== undefined)
      return this.#claimShared(this.#shared, nonce, timestamp, now, budgetText);
    const remembered = this.#remember(nonce, timestamp, now);
    return remembered.ok && budgetText !== undefined
      ? { ok: true, budgetMs: Number(budgetText) }
      : remembered;
  }

  #verifyRpc0(hex: string, path: string, body: Uint8Array): Verification {
    if (!this.#options.acceptRpc0)
      return { ok: false, reason: "rpc0 signatures are not accepted by this silo" };
    const given = Buffer.from(hex, "hex");
    const matches = this.#options.secrets.some((secret) =>
      timingSafeEqual(given, Buffer.from(rpc0Signature(secret, path, body), "hex")),
    );
    return matches ? { ok: true } : { ok: false, reason: "signature does not match" };
  }

  #expiry(timestamp: number): number {
    // A copy of this request passes the clock check while now ≤ timestamp + skew (seconds), so
    // the nonce is remembered until then, plus one second for the receiver's clock resolution.
    return (timestamp + this.#options.maxClockSkewSeconds + 1) * 1000;
  }

  async #claimShared(
    shared: SharedReplayStore,
    nonce: string,
    timestamp: number,
    now: number,
    budgetText: string | undefined,
  ): Promise<Verification> {
    const claim: ReplayClaim = await shared.claim(nonce, now, this.#expiry(timestamp));
    let verdict: Verification;
    if (claim === "replay") verdict = REPLAYED;
    else if (claim === "new") {
      // Remembered here too when the fallback may be needed, so that during an outage this
      // process still refuses what it accepted before; a nonce this process already holds is a
      // replay the store forgot (it restarted). Its bound never refuses what the store accepted.
      const local = this.#localCheck ? this.#remember(nonce, timestamp, now) : ACCEPTED;
      verdict = local.ok || "busy" in local ? ACCEPTED : local;
    } else if (this.#localCheck) verdict = this.#remember(nonce, timestamp, now);
    else {
      verdict = {
        ok: false,
        unavailable: true,
        reason: `the replay store (${shared.description}) cannot be reached: ${claim.unavailable}`,
      };
    }
    return verdict.ok && budgetText !== undefined
      ? { ok: true, budgetMs: Number(budgetText) }
      : verdict;
  }

  #remember(nonce: string, timestamp: number, now: number): Verification {
    const expires = this.#expiry(timestamp);
    const remembered = this.#nonces.remember(nonce, now, expires);
    if (remembered === "new") return ACCEPTED;
    if (remembered === "replay") return REPLAYED;
    return {
      ok: false,
      busy: true,
      reason: `this silo remembers ${this.#maxNonces} unexpired nonces, its bound (RPC_MAX_NONCES)`,
      retryAfterSeconds: Math.max(1, Math.ceil(((this.#nonces.nextExpiry ?? now) - now) / 1000)),
    };
  }
}
