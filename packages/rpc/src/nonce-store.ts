// The accepted nonces of the replay window, in a fixed number of bytes per nonce.
import { randomBytes } from "node:crypto";

export interface NonceStoreOptions {
  /** Most nonces remembered; when that many are unexpired, new ones are refused ("full"). */
  readonly maxEntries: number;
}

/** What `remember` did: recorded the nonce, found it remembered (a replay), or had no room. */
export type Remembered = "new" | "replay" | "full";

/** Bytes per remembered nonce: 8 (fingerprint) + 8 (expiry) in the ring, 2 × 4 in the index. */
export const NONCE_STORE_BYTES_PER_ENTRY = 24;

const INITIAL_CAPACITY = 1024;

/**
 * Remembers each accepted nonce until it expires, as a 64-bit fingerprint (two 32-bit hashes,
 * seeded per process) in typed arrays: a ring in acceptance order, whose oldest entries leave
 * first when they expire, and an open-addressing index into it. An unexpired nonce is never
 * forgotten: when `maxEntries` are unexpired, a new nonce is refused ("full") until the oldest
 * expires, so the bound costs availability, never replay protection. A nonce costs 24 bytes however long
 * it is, where a Map of strings cost about 90 to 130 bytes of heap (1,000,000 nonces: 24 MB
 * instead of about 170 MB of RSS). Two different nonces share a fingerprint with probability
 * 2^-64 per pair: a fresh request is then refused as a replay once in about 10^13 requests at
 * 1,000,000 remembered nonces, and never is a replay accepted.
 */
export class NonceStore {
  readonly #max: number;
  readonly #seeds: Uint32Array;
  #capacity = 0;
  // Ring: slot i holds fingerprint (hi[i], lo[i]) and its expiry in ms. #head is the oldest.
  #hi = new Uint32Array(0);
  #lo = new Uint32Array(0);
  #expires = new Float64Array(0);
  #head = 0;
  #count = 0;
  // The latest expiry recorded: later entries never expire before it (see `remember`).
  #lastExpires = Number.NEGATIVE_INFINITY;
  // Index: open addressing with linear probing; each cell holds a ring slot + 1 (0: empty).
  #index = new Int32Array(0);
  #mask = 0;

  constructor(options: NonceStoreOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new Error(`maxEntries must be a positive integer (got ${options.maxEntries}).`);
    }
    this.#max = options.maxEntries;
    this.#seeds = new Uint32Array(randomBytes(8).buffer);
    this.#resize(Math.min(INITIAL_CAPACITY, this.#max));
  }

  /** How many nonces are remembered now. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held by the store's arrays now (at most about 24 × maxEntries, plus index rounding). */
  get bytes(): number {
    return (
      this.#hi.byteLength + this.#lo.byteLength + this.#expires.byteLength + this.#index.byteLength
    );
  }

  /**
   * Records `nonce` until `expires` (ms) and returns "new"; returns "replay" when it is already
   * remembered and unexpired at `now`, and "full" (recording nothing) when `maxEntries` unexpired
   * nonces leave no room. An expiry earlier than one already recorded is raised to it: entries
   * leave in acceptance order, and remembering longer never lets a replay through.
   */
  remember(nonce: string, now: number, expires: number): Remembered {
    // Expired entries leave from the oldest end (expiries follow acceptance order).
    while (this.#count > 0 && (this.#expires[this.#head] as number) <= now) this.#evictOldest();
    const [hi, lo] = this.#fingerprint(nonce);
    if (this.#seen(hi, lo, now)) return "replay";
    if (this.#count === this.#capacity) {
      if (this.#capacity === this.#max) return "full";
      this.#resize(Math.min(this.#capacity * 2, this.#max));
    }
    this.#lastExpires = Math.max(this.#lastExpires, expires);
    const slot = (this.#head + this.#count) % this.#capacity;
    this.#hi[slot] = hi;
    this.#lo[slot] = lo;
    this.#expires[slot] = this.#lastExpires;
    this.#count++;
    let cell = lo & this.#mask;
    while (this.#index[cell] !== 0) cell = (cell + 1) & this.#mask;
    this.#index[cell] = slot + 1;
    return "new";
  }

  /** When (ms) the oldest remembered nonce expires, making room; undefined when empty. */
  get nextExpiry(): number | undefined {
    return this.#count === 0 ? undefined : (this.#expires[this.#head] as number);
  }

  #seen(hi: number, lo: number, now: number): boolean {
    // Every cell of the probe run: an expired duplicate may sit before a live one.
    for (let cell = lo & this.#mask; this.#index[cell] !== 0; cell = (cell + 1) & this.#mask) {
      const slot = (this.#index[cell] as number) - 1;
      if (this.#lo[slot] === lo && this.#hi[slot] === hi && (this.#expires[slot] as number) > now)
        return true;
    }
    return false;
  }

  #evictOldest(): void {
    const slot = this.#head;
    let cell = (this.#lo[slot] as number) & this.#mask;
    while (this.#index[cell] !== slot + 1) cell = (cell + 1) & this.#mask;
    // Backward-shift deletion keeps every probe run unbroken without tombstones.
    let hole = cell;
    for (
      let next = (hole + 1) & this.#mask;
      this.#index[next] !== 0;
      next = (next + 1) & this.#mask
    ) {
      const home = (this.#lo[(this.#index[next] as number) - 1] as number) & this.#mask;
      // Move the entry into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        this.#index[hole] = this.#index[next] as number;
        hole = next;
      }
    }
    this.#index[hole] = 0;
    this.#head = (this.#head + 1) % this.#capacity;
    this.#count--;
  }

  #resize(capacity: number): void {
    const hi = new Uint32Array(capacity);
    const lo = new Uint32Array(capacity);
    const expires = new Float64Array(capacity);
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % this.#capacity;
      hi[i] = this.#hi[from] as number;
      lo[i] = this.#lo[from] as number;
      expires[i] = this.#expires[from] as number;
    }
    // At most half full: short probe runs.
    let cells = 1;
    while (cells < capacity * 2) cells *= 2;
    const index = new Int32Array(cells);
    const mask = cells - 1;
    for (let slot = 0; slot < this.#count; slot++) {
      let cell = (lo[slot] as number) & mask;
      while (index[cell] !== 0) cell = (cell + 1) & mask;
      index[cell] = slot + 1;
    }
    this.#hi = hi;
    this.#lo = lo;
    this.#expires = expires;
    this.#index = index;
    this.#mask = mask;
    this.#capacity = capacity;
    this.#head = 0;
  }

  /** Two independent 32-bit hashes (FNV-1a steps, murmur3 finalizer), seeded per process. */
  #fingerprint(nonce: string): [number, number] {
    let a = (this.#seeds[0] as number) ^ 0x811c9dc5;
    let b = (this.#seeds[1] as number) ^ 0x9747b28c;
    for (let i = 0; i < nonce.length; i++) {
      const c = nonce.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    return [fmix32(a ^ nonce.length) >>> 0, fmix32(b ^ a) >>> 0];
  }
}

function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x;
}
