// Tokens for the OAuth tests: from the real provider (client credentials with a resource
// indicator), and signed here with keys whose public half the key lab serves, for every
// case a provider would not issue (expired, wrong audience, rotated keys, …).
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { inject } from "vitest";

/** A client-credentials access token from the provider, for `resource` (RFC 8707). */
export async function providerToken(resource: string, scope = "mcp:tools"): Promise<string> {
  const issuer = inject("oauthIssuer");
  const client = inject("oauthClient");
  const response = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.id,
      client_secret: client.secret,
      resource,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`the provider refused: ${body.error_description}`);
  return body.access_token;
}

export interface LabKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function labKey(kid: string, alg = "ES256"): Promise<LabKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** Makes the key lab serve these keys (their public halves). */
export async function serveKeys(...keys: LabKey[]): Promise<void> {
  await labRequest("PUT", "/jwks", JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
}

export async function keySetFailing(failing: boolean): Promise<void> {
  await labRequest("PUT", "/failing", String(failing));
}

export async function keySetFetches(): Promise<number> {
  return ((await (await labRequest("GET", "/stats")).json()) as { jwksFetches: number }).jwksFetches;
}

/** A JWT signed with `key`, issued by the key lab unless the claims say otherwise, valid for five minutes. */
export async function labToken(key: LabKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: inject("keyLabIssuer"), iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...header })
    .sign(key.privateKey);
}

function labRequest(method: string, path: string, body?: string): Promise<Response> {
  return fetch(`${inject("keyLabIssuer")}${path}`, { method, ...(body !== undefined ? { body } : {}) });
}
