// NonceStore: replays refused while a nonce lives, forgotten after, bounded in entries and bytes.
import { describe, expect, it } from "vitest";
import { NONCE_STORE_BYTES_PER_ENTRY, NonceStore } from "../src/nonce-store.ts";

const nonce = (i: number) => `nonce-${String(i).padStart(12, "0")}`;

describe("NonceStore", () => {
  it("refuses a nonce it remembers until it expires, then accepts it again", () => {
    const store = new NonceStore({ maxEntries: 10 });
    expect(store.remember(nonce(1), 0, 600)).toBe("new");
    expect(store.remember(nonce(1), 599, 1199)).toBe("replay");
    expect(store.remember(nonce(2), 599, 1199)).toBe("new");
    expect(store.remember(nonce(1), 600, 1200)).toBe("new");
    expect(store.remember(nonce(1), 601, 1201)).toBe("replay");
    // The expired entry left; the two live ones stay.
    expect(store.size).toBe(2);
  });

  it("at its bound, refuses new nonces until the oldest expires, and forgets no live one", () => {
    const store = new NonceStore({ maxEntries: 5 });
    for (let i = 0; i < 5; i++) expect(store.remember(nonce(i), 0, 1000 + i)).toBe("new");
    expect(store.remember(nonce(5), 0, 1005)).toBe("full");
    expect(store.nextExpiry).toBe(1000);
    for (let i = 0; i < 5; i++) expect(store.remember(nonce(i), 999, 2000)).toBe("replay");
    // The refused nonce was not recorded; room for one when the oldest expires.
    expect(store.remember(nonce(5), 1000, 2000)).toBe("new");
    expect(store.remember(nonce(6), 1000, 2000)).toBe("full");
    expect(store.remember(nonce(0), 1000, 2000)).toBe("full");
    expect(store.size).toBe(5);
  });

  it("never lets an entry expire before one recorded earlier (expiries stay in order)", () => {
    const store = new NonceStore({ maxEntries: 10 });
    expect(store.remember(nonce(1), 0, 5000)).toBe("new");
    // Asked to expire earlier than the one before it: kept as long, so it leaves in order.
    expect(store.remember(nonce(2), 0, 1000)).toBe("new");
    expect(store.remember(nonce(2), 4999, 6000)).toBe("replay");
    expect(store.remember(nonce(2), 5000, 6000)).toBe("new");
  });

  it("driven far past its bound, holds exactly the bound and at most its bytes", () => {
    const max = 3000;
    const store = new NonceStore({ maxEntries: max });
    let full = 0;
    for (let i = 0; i < 50_000; i++) {
      if (store.remember(nonce(i), i, 1_000_000) === "full") full++;
    }
    expect(store.size).toBe(max);
    expect(full).toBe(50_000 - max);
    // Ring of `max` entries, index rounded up to a power of two of at least twice that.
    expect(store.bytes).toBeLessThanOrEqual(max * 16 + 2 * 4 * 2 * max);
    expect(store.bytes / max).toBeLessThanOrEqual(NONCE_STORE_BYTES_PER_ENTRY + 8);
    // The first `max` are all still refused as replays, the rest never got in.
    for (let i = 0; i < max; i++) expect(store.remember(nonce(i), 50_000, 0)).toBe("replay");
    expect(store.remember(nonce(max), 50_000, 1_050_000)).toBe("full");
  });

  it("stays correct through growth, expiry and a full store (against a Map)", () => {
    // A reference model: the same sequence of calls on a Map with the same rules.
    const store = new NonceStore({ maxEntries: 700 });
    const model = new Map<string, number>();
    const seen = { new: 0, replay: 0, full: 0 };
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let now = 0; now < 20_000; now++) {
      // Mostly new nonces, some repeats of recent ones; lifetimes long enough to fill it.
      const id = random() < 0.3 ? Math.max(0, now - Math.floor(random() * 900)) : now;
      const expires = now + 400 + Math.floor(random() * 800);
      let latest = 0;
      for (const [key, until] of model) {
        if (until <= now) model.delete(key);
        else latest = Math.max(latest, until);
      }
      const live = (model.get(nonce(id)) ?? -1) > now;
      const expected = live ? "replay" : model.size === 700 ? "full" : "new";
      expect(store.remember(nonce(id), now, expires)).toBe(expected);
      seen[expected]++;
      if (expected === "new") model.set(nonce(id), Math.max(expires, latest));
      expect(store.size).toBe(model.size);
    }
    // Every outcome was exercised many times.
    expect(Math.min(seen.new, seen.replay, seen.full)).toBeGreaterThan(1000);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new NonceStore({ maxEntries: 0 })).toThrow(/positive integer/);
  });
});
