// Where an issuer's signing keys are, and the keys themselves, kept per isolate: the JWKS
// URL comes from the issuer's settings or from its metadata (RFC 8414, then OpenID
// discovery), and `jose` fetches and caches the key set, fetching it again for a key id it
// does not know at most once a minute. A failed discovery is remembered briefly, so an
// unreachable issuer is not asked again on every request. A new configuration revision
// starts afresh: what an operator changed about an issuer takes effect at once.
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { trustedAuthUrl, type OAuthIssuer } from "../config/oauth-schema.js";

/** The issuer's keys cannot be had now (unreachable, or its metadata is unusable): 503, not 401. */
export class KeysUnavailable extends Error {}

const FETCH_TIMEOUT_MS = 5_000;
const METADATA_TTL_MS = 60 * 60_000;
const FAILURE_TTL_MS = 10_000;
/** An unknown `kid` refetches the key set at most this often. */
const REFETCH_COOLDOWN_MS = 60_000;
const KEYS_MAX_AGE_MS = 10 * 60_000;

const discovered = new Map<string, { jwksUri: Promise<string>; expiresAt: number }>();
const keySets = new Map<string, JWTVerifyGetKey>();
let cachedRevision: string | undefined;

/** The key set of `issuer`, from its `jwksUri` or its metadata, as of configuration `revision`. */
export async function keysOf(issuer: OAuthIssuer, revision: string, now = Date.now()): Promise<JWTVerifyGetKey> {
  if (revision !== cachedRevision) {
    discovered.clear();
    keySets.clear();
    cachedRevision = revision;
  }
  const jwksUri = issuer.jwksUri ?? (await discoveredJwksUri(issuer.issuer, now));
  let keys = keySets.get(jwksUri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: REFETCH_COOLDOWN_MS,
      cacheMaxAge: KEYS_MAX_AGE_MS,
    });
    keySets.set(jwksUri, keys);
  }
  return keys;
}

function discoveredJwksUri(issuer: string, now: number): Promise<string> {
  const known = discovered.get(issuer);
  if (known && known.expiresAt > now) return known.jwksUri;
  const jwksUri = discover(issuer);
  discovered.set(issuer, { jwksUri, expiresAt: now + METADATA_TTL_MS });
  jwksUri.catch(() => discovered.set(issuer, { jwksUri, expiresAt: now + FAILURE_TTL_MS }));
  return jwksUri;
}

async function discover(issuer: string): Promise<string> {
  for (const url of metadataUrls(issuer)) {
    const metadata = await fetchMetadata(url);
    if (metadata === undefined) continue;
    if (metadata["issuer"] !== issuer) throw new KeysUnavailable(`${url} names another issuer`);
    const jwksUri = metadata["jwks_uri"];
    if (typeof jwksUri !== "string" || !trustedAuthUrl(jwksUri))
      throw new KeysUnavailable(`${url} has no usable jwks_uri`);
    return jwksUri;
  }
  throw new KeysUnavailable(`no authorization server metadata for ${issuer}`);
}

/** RFC 8414's well-known URL (inserted before the issuer's path), then OpenID discovery's (appended). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** The metadata document at `url`; undefined when there is none (404); KeysUnavailable when it cannot be read. */
async function fetchMetadata(url: string): Promise<Record<string, unknown> | undefined> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      // Never followed (workerd knows no "error" mode): a redirect is not metadata.
      redirect: "manual",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new KeysUnavailable(`${url}: ${String(error)}`);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new KeysUnavailable(`${url} answered HTTP ${response.status}`);
  }
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new KeysUnavailable(`${url} is not a JSON object`);
  return body as Record<string, unknown>;
}
