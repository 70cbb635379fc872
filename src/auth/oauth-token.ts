// Checks an OAuth access token (a JWT) as a resource server must: signed by a key of the
// issuer it names (one of settings.oauth), with an algorithm on an explicit allow-list
// (asymmetric only: never `none`, never HMAC), `iss` equal to that issuer, `aud`
// containing an accepted audience (RFC 8707), `exp` present and `exp`/`nbf` within a few
// seconds' leeway, and the issuer's required scopes. Which agent it stands for is the
// caller's business (authenticate.ts). Reasons are for audit lines, never for the client.
import { decodeJwt, errors as jose, jwtVerify, type JWTPayload } from "jose";
import type { OAuthIssuer } from "../config/oauth-schema.js";
import { KeysUnavailable, keysOf } from "./oauth-keys.js";

const ALLOWED_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
/** Leeway for `exp` and `nbf`, in seconds. */
const CLOCK_TOLERANCE_S = 5;

export type TokenCheck =
  | { ok: true; issuer: OAuthIssuer; claims: JWTPayload }
  /** Not a token of any configured issuer, or not valid: 401 invalid_token. */
  | { ok: false; status: 401; reason: string }
  /** Valid, but without these required scopes: 403 insufficient_scope. */
  | { ok: false; status: 403; reason: string; missingScopes: string[]; issuer: OAuthIssuer; claims: JWTPayload }
  /** The issuer's keys cannot be had now: 503. */
  | { ok: false; status: 503; reason: string };

/** Whether a bearer token has the shape of a JWT (three base64url parts), rather than an API key's. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export async function checkAccessToken(
  token: string,
  issuers: readonly OAuthIssuer[],
  audiences: readonly string[],
  revision: string,
): Promise<TokenCheck> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    return { ok: false, status: 401, reason: "malformed token" };
  }
  const issuer = issuers.find((candidate) => candidate.issuer === unverified.iss);
  if (!issuer) return { ok: false, status: 401, reason: "unknown issuer" };
  let claims: JWTPayload;
  try {
    const keys = await keysOf(issuer, revision);
    ({ payload: claims } = await jwtVerify(token, keys, {
      issuer: issuer.issuer,
      audience: [...audiences, ...acceptedBy(issuer)],
      algorithms: ALLOWED_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp"],
    }));
  } catch (error) {
    return refusal(error);
  }
  const missingScopes = (issuer.requiredScopes ?? []).filter((scope) => !scopesOf(claims).includes(scope));
  if (missingScopes.length > 0)
    return { ok: false, status: 403, reason: "insufficient scope", missingScopes, issuer, claims };
  return { ok: true, issuer, claims };
}

function acceptedBy(issuer: OAuthIssuer): string[] {
  return issuer.audience === undefined ? [] : Array.isArray(issuer.audience) ? issuer.audience : [issuer.audience];
}

/** A token's scopes: `scope` (space-separated, RFC 9068) or `scp` (a list or a string). */
export function scopesOf(claims: JWTPayload): string[] {
  const { scope, scp } = claims as { scope?: unknown; scp?: unknown };
  if (typeof scope === "string") return scope.split(" ").filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === "string");
  if (typeof scp === "string") return scp.split(" ").filter(Boolean);
  return [];
}

/** What a failed verification means: the token is bad (401), or the keys could not be had (503). */
function refusal(error: unknown): TokenCheck {
  if (error instanceof KeysUnavailable) return { ok: false, status: 503, reason: error.message };
  if (error instanceof jose.JOSEError) {
    // Fetching the key set: timed out, answered other than 200, or not a key set.
    if (error instanceof jose.JWKSTimeout || error instanceof jose.JWKSInvalid || error.code === "ERR_JOSE_GENERIC")
      return { ok: false, status: 503, reason: `key set unavailable: ${error.message}` };
    return { ok: false, status: 401, reason: error.code };
  }
  // A fetch of the key set that failed (connection refused, TLS).
  return { ok: false, status: 503, reason: `key set unavailable: ${String(error)}` };
}
