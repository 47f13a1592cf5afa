// Request signatures (docs/wire-protocol.md, "Signature").
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { NonceStore } from "./nonce-store.ts";

export const TIMESTAMP_HEADER = "x-rpc-timestamp";
export const NONCE_HEADER = "x-rpc-nonce";
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const RPC1 = /^Rpcsignature rpc1:([0-9a-f]{64})$/;
const RPC0 = /^Rpcsignature rpc0:([0-9a-f]{64})$/;

export interface SignatureInput {
  readonly secret: string;
  /** Signed as its decimal digits; a receiver passes the header's text, digits as sent. */
  readonly timestamp: number | string;
  readonly nonce: string;
  /** The request path exactly as sent: no scheme, host or query. */
  readonly path: string;
  readonly body: Uint8Array;
}

/** rpc1: lowercase hex HMAC-SHA256 of `{timestamp}:{nonce}:{path}:` followed by the raw body. */
export function rpc1Signature({ secret, timestamp, nonce, path, body }: SignatureInput): string {
  return createHmac("sha256", secret)
    .update(`${timestamp}:${nonce}:${path}:`)
    .update(body)
    .digest("hex");
}

/** rpc0 (Sentry's scheme, no replay protection): HMAC-SHA256 of `{path}:` followed by the body. */
export function rpc0Signature(secret: string, path: string, body: Uint8Array): string {
  return createHmac("sha256", secret).update(`${path}:`).update(body).digest("hex");
}

/** The headers that sign a request with the first (current) secret. */
export function signRequest(
  secret: string,
  path: string,
  body: Uint8Array,
  { now = Date.now(), nonce = randomBytes(18).toString("base64url") } = {},
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [NONCE_HEADER]: nonce,
    authorization: `Rpcsignature rpc1:${rpc1Signature({ secret, timestamp, nonce, path, body })}`,
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
  readonly now?: () => number;
}

export type Verification =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string }
  /** Valid, but every remembered nonce is still live: try again after `retryAfterSeconds`. */
  | {
      readonly ok: false;
      readonly busy: true;
      readonly reason: string;
      readonly retryAfterSeconds: number;
    };

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

  constructor(options: VerifierOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxNonces = options.maxNonces ?? DEFAULT_MAX_NONCES;
    this.#nonces = new NonceStore({ maxEntries: this.#maxNonces });
  }

  /** How many accepted nonces are remembered now (at most maxNonces). */
  get rememberedNonces(): number {
    return this.#nonces.size;
  }

  verify(request: {
    path: string;
    body: Uint8Array;
    header: (name: string) => string | undefined;
  }): Verification {
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
            path: request.path,
            body: request.body,
          }),
          "hex",
        ),
      ),
    );
    if (!matches) return { ok: false, reason: "signature does not match" };
    return this.#remember(nonce, timestamp, now);
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

  #remember(nonce: string, timestamp: number, now: number): Verification {
    // A copy of this request passes the clock check while now ≤ timestamp + skew (seconds), so
    // the nonce is remembered until then, plus one second for the receiver's clock resolution.
    const expires = (timestamp + this.#options.maxClockSkewSeconds + 1) * 1000;
    const remembered = this.#nonces.remember(nonce, now, expires);
    if (remembered === "new") return { ok: true };
    if (remembered === "replay")
      return { ok: false, reason: "nonce was already used (replayed request)" };
    return {
      ok: false,
      busy: true,
      reason: `this silo remembers ${this.#maxNonces} unexpired nonces, its bound (RPC_MAX_NONCES)`,
      retryAfterSeconds: Math.max(1, Math.ceil(((this.#nonces.nextExpiry ?? now) - now) / 1000)),
    };
  }
}
