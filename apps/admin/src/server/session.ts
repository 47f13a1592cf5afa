// Admin sessions: a signed, expiring cookie value, `<payload>.<signature>` in base64url, where the
// signature is HMAC-SHA256 of the payload with ADMIN_SESSION_SECRET. Web Crypto only, so the proxy
// and the Server Actions check it the same way.
export const SESSION_COOKIE = "silo_admin_session";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

const encoder = new TextEncoder();

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/**
 * Strict base64url: null for anything but the one canonical encoding of some bytes. `atob` alone
 * ignores the unused low bits of the last character, so several strings decode to the same MAC;
 * a cookie value is accepted only in the form this module wrote it.
 */
function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return base64url(bytes) === text ? bytes : null;
}

const key = (secret: string) =>
  crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);

export async function signSession(user: string, secret: string, now = Date.now()): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify({ u: user, exp: now + SESSION_TTL_MS })));
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", await key(secret), encoder.encode(payload)),
  );
  return `${payload}.${base64url(signature)}`;
}

/** The session's user, or null when the value is missing, forged, tampered with or expired. */
export async function verifySession(
  token: string | undefined,
  secret: string,
  now = Date.now(),
): Promise<{ user: string } | null> {
  const [payload, signature, extra] = token?.split(".") ?? [];
  if (payload === undefined || signature === undefined || extra !== undefined) return null;
  const signatureBytes = fromBase64url(signature);
  if (signatureBytes === null) return null;
  // Constant-time: crypto.subtle.verify compares the MAC itself.
  const valid = await crypto.subtle.verify(
    "HMAC",
    await key(secret),
    signatureBytes,
    encoder.encode(payload),
  );
  if (!valid) return null;
  try {
    const bytes = fromBase64url(payload);
    const { u, exp } = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as {
      u?: unknown;
      exp?: unknown;
    };
    if (typeof u !== "string" || typeof exp !== "number" || exp <= now) return null;
    return { user: u };
  } catch {
    return null;
  }
}
