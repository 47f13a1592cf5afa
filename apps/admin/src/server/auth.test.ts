import { describe, expect, it } from "vitest";
import { credentialsMatch, loadAuthSettings, loginRequired } from "./auth.ts";
import { SESSION_TTL_MS, signSession, verifySession } from "./session.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

describe("sessions", () => {
  it("verify what they signed, for the session's lifetime only", async () => {
    const now = Date.UTC(2026, 0, 1);
    const token = await signSession("admin", SECRET, now);
    expect(await verifySession(token, SECRET, now + 1000)).toEqual({ user: "admin" });
    expect(await verifySession(token, SECRET, now + SESSION_TTL_MS + 1)).toBeNull();
  });

  it("refuse a forged, tampered or malformed value", async () => {
    const now = Date.UTC(2026, 0, 1);
    const token = await signSession("admin", SECRET, now);
    const [payload, signature] = token.split(".") as [string, string];
    const other = btoa(JSON.stringify({ u: "root", exp: now + 60_000 })).replace(/=+$/, "");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const at = (i: number, offset: number) =>
      alphabet[(alphabet.indexOf(signature.at(i) ?? "") + offset) % 64];
    // A 32-byte MAC is 43 characters; the last one carries 4 bits and 2 unused ones. Flipping an
    // unused bit gives another string for the same bytes, which a lenient decoder would accept.
    const sameBytes = `${signature.slice(0, -1)}${at(-1, signature.endsWith("_") ? 63 : 1)}`;
    expect(signature).toHaveLength(43);
    expect(await verifySession(`${payload}.${signature}`, SECRET, now)).toEqual({ user: "admin" });
    for (const bad of [
      undefined,
      "",
      "garbage",
      `${other}.${signature}`,
      `${payload}.${at(0, 1)}${signature.slice(1)}`,
      `${payload}.${signature.slice(0, 20)}${at(20, 32)}${signature.slice(21)}`,
      `${payload}.${sameBytes}`,
      `${payload}.${signature}=`,
      `${payload}.${signature}.extra`,
      `${payload}.not+base64`,
    ]) {
      expect(await verifySession(bad, SECRET, now)).toBeNull();
    }
    expect(await verifySession(token, `${SECRET}-rotated`, now)).toBeNull();
  });
});

describe("login settings", () => {
  it("leave `next dev` open when no credentials are set", () => {
    expect(loadAuthSettings({ NODE_ENV: "development" })).toEqual({ required: false });
  });

  it("say whether the nav offers to log out: in production always, in development once a credential is set", () => {
    expect(loginRequired({ NODE_ENV: "development" })).toBe(false);
    expect(loginRequired({ NODE_ENV: "development", ADMIN_USERNAME: "admin" })).toBe(true);
    // Only what is set counts: a weak value still means a login is asked for (and refused at start).
    expect(loginRequired({ NODE_ENV: "development", ADMIN_PASSWORD: "short" })).toBe(true);
    expect(loginRequired({ NODE_ENV: "production" })).toBe(true);
  });

  it("refuse to run a production server without credentials, naming what is missing", () => {
    expect(() => loadAuthSettings({ NODE_ENV: "production", ADMIN_USERNAME: "admin" })).toThrow(
      /requires a login: .*Missing: ADMIN_PASSWORD, ADMIN_SESSION_SECRET\./,
    );
  });

  it("reject weak values", () => {
    expect(() =>
      loadAuthSettings({
        ADMIN_USERNAME: "admin",
        ADMIN_PASSWORD: "short",
        ADMIN_SESSION_SECRET: "tiny",
      }),
    ).toThrow(
      /ADMIN_PASSWORD: must be at least 12 characters[\s\S]*ADMIN_SESSION_SECRET: must be at least 32 characters/,
    );
  });

  it("require a login once credentials are set, even in development, and compare them exactly", () => {
    const settings = loadAuthSettings({
      NODE_ENV: "development",
      ADMIN_USERNAME: "admin",
      ADMIN_PASSWORD: "correct-horse-battery",
      ADMIN_SESSION_SECRET: SECRET,
    });
    if (!settings.required) throw new Error("expected a required login");
    expect(credentialsMatch(settings, "admin", "correct-horse-battery")).toBe(true);
    expect(credentialsMatch(settings, "admin", "correct-horse-batter")).toBe(false);
    expect(credentialsMatch(settings, "Admin", "correct-horse-battery")).toBe(false);
  });
});
