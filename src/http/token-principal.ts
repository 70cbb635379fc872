// Who an OAuth access token stands for: checked against the issuers of settings.oauth
// (auth/oauth-token.ts) for this endpoint's audiences, then the agent named by the
// issuer's agentClaim, mapped through its agentMap, which must be configured as
// `agent:<name>`. From there on it is a principal like any API key's. Every refusal is
// audited with the issuer and subject where known, never the token.
import type { Context } from "hono";
import type { JWTPayload } from "jose";
import { checkAccessToken } from "../auth/oauth-token.js";
import type { Principal } from "../auth/principal.js";
import type { OAuthIssuer } from "../config/oauth-schema.js";
import { errors } from "../mcp/errors.js";
import type { AppEnv } from "./context.js";
import { acceptedAudiences, scopeChallenge, tokenChallenge } from "./oauth-resource.js";

type Refused = (c: Context<AppEnv>, step: string, rule: string, principal?: Principal) => void;

export async function principalOfToken(
  c: Context<AppEnv>,
  token: string,
  issuers: OAuthIssuer[],
  refused: Refused,
): Promise<Principal> {
  const virtualServer = c.req.param("name");
  const audiences = acceptedAudiences(c.req.url, virtualServer);
  const check = await checkAccessToken(token, issuers, audiences, c.get("snapshot").revision);
  if (!check.ok && check.status === 503) {
    refused(c, "authenticate", `access token not checked: ${check.reason}`);
    throw errors.authUnavailable();
  }
  if (!check.ok && check.status === 401) {
    refused(c, "authenticate", `access token refused: ${check.reason}`);
    throw errors.unauthorized(tokenChallenge(c.req.url, virtualServer, true), true);
  }
  const { issuer, claims } = check;
  const agent = agentOf(issuer, claims);
  const principal: Principal = {
    agent: agent ?? "(none)",
    oauthIssuer: issuer.issuer,
    ...(typeof claims.sub === "string" ? { oauthSubject: claims.sub } : {}),
  };
  if (!check.ok) {
    refused(c, "authenticate", `access token lacks scope ${check.missingScopes.join(" ")}`, principal);
    throw errors.insufficientScope(check.missingScopes, scopeChallenge(c.req.url, virtualServer, check.missingScopes));
  }
  if (agent === undefined || !c.get("snapshot").agents.has(agent)) {
    refused(c, "authenticate", `access token's ${issuer.agentClaim} names no agent`, principal);
    throw errors.unknownTokenAgent();
  }
  return principal;
}

/** The agent a token names: its agentClaim's value, through agentMap when the map has it. */
function agentOf(issuer: OAuthIssuer, claims: JWTPayload): string | undefined {
  const value = claims[issuer.agentClaim];
  if (typeof value !== "string") return undefined;
  return Object.hasOwn(issuer.agentMap ?? {}, value) ? issuer.agentMap![value] : value;
}
