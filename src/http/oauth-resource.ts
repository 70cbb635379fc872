// The gateway as an OAuth protected resource (RFC 9728), for clients that find their
// authorization server from the resource: each endpoint's URL and its metadata URL
// (`/.well-known/oauth-protected-resource` inserted before the endpoint's path), the
// metadata documents, the audiences a token may name, and the WWW-Authenticate challenges
// that point a client at the metadata.
import type { Context } from "hono";
import type { OAuthIssuer } from "../config/oauth-schema.js";
import { jsonResponse } from "../wire/responses.js";
import type { AppEnv } from "./context.js";

const WELL_KNOWN = "/.well-known/oauth-protected-resource";

/** The URL of the endpoint: `/mcp`, or `/mcp/<virtual server>`. */
export function endpointUrl(requestUrl: string, virtualServer: string | undefined): string {
  const { origin } = new URL(requestUrl);
  return `${origin}/mcp${virtualServer === undefined ? "" : `/${virtualServer}`}`;
}

/** Where the endpoint's protected-resource metadata is. */
export function metadataUrl(requestUrl: string, virtualServer: string | undefined): string {
  const { origin } = new URL(requestUrl);
  return `${origin}${WELL_KNOWN}/mcp${virtualServer === undefined ? "" : `/${virtualServer}`}`;
}

/** Audiences a token for this endpoint may name: the gateway's origin (all of it), and the endpoint's URL. */
export function acceptedAudiences(requestUrl: string, virtualServer: string | undefined): string[] {
  const { origin } = new URL(requestUrl);
  return [origin, `${origin}/`, endpointUrl(requestUrl, virtualServer)];
}

/** The challenge of a 401 when tokens are accepted; `invalid_token` when one was sent. */
export function tokenChallenge(requestUrl: string, virtualServer: string | undefined, tokenSent: boolean): string {
  const error = tokenSent ? ', error="invalid_token"' : "";
  return `Bearer resource_metadata="${metadataUrl(requestUrl, virtualServer)}"${error}`;
}

/** The challenge of a 403 for a token without the scopes this resource requires. */
export function scopeChallenge(requestUrl: string, virtualServer: string | undefined, scopes: string[]): string {
  return (
    `Bearer error="insufficient_scope", scope="${scopes.join(" ")}", ` +
    `resource_metadata="${metadataUrl(requestUrl, virtualServer)}"`
  );
}

/**
 * GET /.well-known/oauth-protected-resource[/mcp[/<vs>]]: the metadata of that endpoint
 * (the root names the aggregate endpoint `/mcp`). 404 when OAuth is not set up or there
 * is no such virtual server.
 */
export function handleResourceMetadata(c: Context<AppEnv>): Response {
  const issuers = c.get("snapshot").settings.oauth;
  const path = new URL(c.req.url).pathname.slice(WELL_KNOWN.length);
  const match = /^(?:\/mcp(?:\/([^/]+))?)?\/?$/.exec(path);
  const virtualServer = match?.[1];
  const known = virtualServer === undefined || c.get("snapshot").virtualServers.has(virtualServer);
  if (!issuers || !match || !known) return jsonResponse({ error: "Not Found" }, 404);
  return jsonResponse(resourceMetadata(c.req.url, virtualServer, issuers), 200, {
    "cache-control": "public, max-age=300",
    "access-control-allow-origin": "*",
  });
}

export function resourceMetadata(requestUrl: string, virtualServer: string | undefined, issuers: OAuthIssuer[]) {
  const scopes = [...new Set(issuers.flatMap((issuer) => issuer.requiredScopes ?? []))];
  return {
    resource: endpointUrl(requestUrl, virtualServer),
    authorization_servers: issuers.map((issuer) => issuer.issuer),
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ["header"],
  };
}
