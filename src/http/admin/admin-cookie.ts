// The /admin sign-in cookie: an expiry time and its HMAC, under a key derived from the
// ADMIN_TOKEN secret, so the cookie never holds the token, cannot be forged or extended,
// and stops opening the page when the token is rotated. Checking the token itself and
// answering requests are admin-routes.ts's business.

export const ADMIN_COOKIE = "gateway_admin";
/** How long one sign-in lasts: a working day. */
export const ADMIN_SESSION_SECONDS = 8 * 60 * 60;

const encoder = new TextEncoder();
/** What the key is for, so no other use of the token can yield the same key. */
const KEY_PURPOSE = "mcp-edge-gateway /admin cookie v1";

let cachedKey: { token: string; key: Promise<CryptoKey> } | undefined;

/** The Set-Cookie value that signs this browser in until `now` plus ADMIN_SESSION_SECONDS. */
export async function signInCookie(token: string, now: number, secure: boolean): Promise<string> {
  const expires = Math.floor(now / 1000) + ADMIN_SESSION_SECONDS;
  const signature = await crypto.subtle.sign("HMAC", await keyFor(token), encoder.encode(signed(expires)));
  return cookie(`${expires}.${base64url(new Uint8Array(signature))}`, ADMIN_SESSION_SECONDS, secure);
}

/** The Set-Cookie value that signs this browser out. */
export function signOutCookie(secure: boolean): string {
  return cookie("", 0, secure);
}

/** Whether the Cookie header carries a sign-in cookie signed for this token that has not expired. */
export async function isSignedIn(token: string, cookieHeader: string | undefined, now: number): Promise<boolean> {
  const value = cookieValue(cookieHeader, ADMIN_COOKIE);
  const match = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expires = Number(match[1]);
  const nowSeconds = Math.floor(now / 1000);
  if (expires <= nowSeconds || expires > nowSeconds + ADMIN_SESSION_SECONDS) return false;
  const signature = fromBase64url(match[2]!);
  // verify compares in constant time.
  return crypto.subtle.verify("HMAC", await keyFor(token), signature, encoder.encode(signed(expires)));
}

function signed(expires: number): string {
  return `admin:${expires}`;
}

/** An HMAC key of its own, derived from the token once per isolate (per token, when rotated). */
function keyFor(token: string): Promise<CryptoKey> {
  if (cachedKey?.token !== token) cachedKey = { token, key: deriveKey(token) };
  return cachedKey.key;
}

async function deriveKey(token: string): Promise<CryptoKey> {
  const hmac = { name: "HMAC", hash: "SHA-256" };
  const tokenKey = await crypto.subtle.importKey("raw", encoder.encode(token), hmac, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", tokenKey, encoder.encode(KEY_PURPOSE));
  return crypto.subtle.importKey("raw", derived, hmac, false, ["sign", "verify"]);
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  const attributes = [`Max-Age=${maxAge}`, "Path=/admin", "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : [])];
  return [`${ADMIN_COOKIE}=${value}`, ...attributes].join("; ");
}

/** The value of the first cookie called `name`. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
