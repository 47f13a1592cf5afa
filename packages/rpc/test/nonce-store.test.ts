// NonceStore: replays refused while a nonce lives, forgotten after, bounded in entries and bytes.
import { describe, expect, it } from "vitest";
import { NONCE_STORE_BYTES_PER_ENTRY, NonceStore } from "../src/nonce-store.ts";

const nonce = (i: number) => `nonce-${String(i).padStart(12, "0")}`;

describe("NonceStore", () => {
  it("refuses a nonce it remembers until it expires, then accepts it again", () => {
    const store = new NonceStore({ maxEntries: 10 });
    expect(store.remember(nonce(1), 0, 600)).toBe(true);
    expect(store.remember(nonce(1), 599, 1199)).toBe(false);
    expect(store.remember(nonce(2), 599, 1199)).toBe(true);
    expect(store.remember(nonce(1), 600, 1200)).toBe(true);
    expect(store.remember(nonce(1), 601, 1201)).toBe(false);
    // The expired entry left; the two live ones stay.
    expect(store.size).toBe(2);
  });

  it("forgets the oldest first beyond its bound, and keeps refusing the newest", () => {
    const store = new NonceStore({ maxEntries: 5 });
    for (let i = 0; i < 8; i++) expect(store.remember(nonce(i), 0, 1000)).toBe(true);
    expect(store.size).toBe(5);
    for (let i = 3; i < 8; i++) expect(store.remember(nonce(i), 0, 1000)).toBe(false);
    // 0 to 2 were forgotten early: accepted again (the documented cost of the bound).
    expect(store.remember(nonce(0), 0, 1000)).toBe(true);
  });

  it("driven far past its bound, holds exactly the bound and at most its bytes", () => {
    const max = 3000;
    const store = new NonceStore({ maxEntries: max });
    for (let i = 0; i < 50_000; i++) store.remember(nonce(i), i, i + 1_000_000);
    expect(store.size).toBe(max);
    // Ring of `max` entries, index rounded up to a power of two of at least twice that.
    expect(store.bytes).toBeLessThanOrEqual(max * 16 + 2 * 4 * 2 * max);
    expect(store.bytes / max).toBeLessThanOrEqual(NONCE_STORE_BYTES_PER_ENTRY + 8);
    // The newest `max` are all still refused, the one just before them is not.
    for (let i = 50_000 - max; i < 50_000; i++)
      expect(store.remember(nonce(i), 50_000, 0)).toBe(false);
    expect(store.remember(nonce(50_000 - max - 1), 50_000, 1_050_000)).toBe(true);
  });

  it("stays correct through growth, expiry and eviction (against a Map)", () => {
    // A reference model: the same sequence of calls on a Map with the same rules.
    const store = new NonceStore({ maxEntries: 700 });
    const model = new Map<string, number>();
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let now = 0; now < 20_000; now++) {
      // Mostly new nonces, some repeats of recent ones.
      const id = random() < 0.3 ? Math.max(0, now - Math.floor(random() * 900)) : now;
      for (const [key, expires] of model) {
        if (expires > now && model.size < 700) break;
        model.delete(key);
      }
      const live = (model.get(nonce(id)) ?? -1) > now;
      expect(store.remember(nonce(id), now, now + 500)).toBe(!live);
      if (!live) {
        model.delete(nonce(id));
        model.set(nonce(id), now + 500);
      }
      expect(store.size).toBe(model.size);
    }
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new NonceStore({ maxEntries: 0 })).toThrow(/positive integer/);
  });
});
