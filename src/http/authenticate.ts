// Middleware that decides who is asking before any MCP handling: an API key, an OAuth
// access token of an issuer in settings.oauth (or the configured anonymous agent), an
// optional sub-agent narrowing (X-MCP-Agent), and, on /mcp/<name>, the virtual server and
// whether this agent may use it.
import type { Context, MiddlewareHandler } from "hono";
import { audit } from "../observe/audit.js";
import { flushOpsSoon } from "../observe/observer.js";
import { bearerToken, checkApiKey } from "../auth/api-key.js";
import { looksLikeJwt } from "../auth/oauth-token.js";
import { effectiveAgent, identityOf, type Principal } from "../auth/principal.js";
import { narrowTo } from "../gateway/delegation.js";
import { matchesAny } from "../gateway/policy.js";
import { errors } from "../mcp/errors.js";
import type { AppEnv } from "./context.js";
import { principalOfToken } from "./token-principal.js";
import { tokenChallenge } from "./oauth-resource.js";

export const SUB_AGENT_HEADER = "x-mcp-agent";

/** An audit line for a request refused before any MCP handling (401, 403, 503). */
function refused(c: Context<AppEnv>, step: string, rule: string, principal?: Principal): void {
  audit({
    kind: "decision",
    method: step,
    decision: "deny",
    rule,
    requestId: c.get("requestId"),
    revision: c.get("snapshot").revision,
    ...(principal ? { agent: principal.agent, ...(principal.keyId ? { keyId: principal.keyId } : {}) } : {}),
    ...(principal?.oauthIssuer ? { oauthIssuer: principal.oauthIssuer } : {}),
    ...(principal?.oauthSubject ? { oauthSubject: principal.oauthSubject } : {}),
    ...(principal?.delegate ? { delegate: principal.delegate } : {}),
  });
  // A known agent's refusal joins the recent decisions of /status (a refusal of no one is
  // not kept, so this sends nothing for it unless something else is waiting to be sent).
  flushOpsSoon(c.env, (p) => c.executionCtx.waitUntil(p));
}
const CHALLENGE = 'Bearer realm="mcp-gateway"';

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const snapshot = c.get("snapshot");
    const token = bearerToken(c.req.header("authorization"));
    const issuers = snapshot.settings.oauth;
    let principal: Principal;
    if (token === undefined && snapshot.settings.anonymousAgent !== undefined) {
      principal = { agent: snapshot.settings.anonymousAgent };
    } else if (token && issuers && looksLikeJwt(token)) {
      principal = await principalOfToken(c, token, issuers, refused);
    } else {
      const check = token ? await checkApiKey(token, snapshot, Date.now()) : { ok: false as const };
      if (!check.ok) {
        refused(c, "authenticate", token === undefined ? "no API key" : "unknown, expired or malformed API key");
        const challenge = issuers
          ? tokenChallenge(c.req.url, c.req.param("name"), token !== undefined)
          : token === undefined
            ? CHALLENGE
            : `${CHALLENGE}, error="invalid_token"`;
        throw errors.unauthorized(challenge, issuers !== undefined);
      }
      principal = {
        agent: check.record.agent,
        keyId: check.hash.slice(0, 8),
        ...(check.record.label !== undefined ? { keyLabel: check.record.label } : {}),
      };
    }

    const subAgent = c.req.header(SUB_AGENT_HEADER);
    if (subAgent !== undefined) {
      const narrowed = narrowTo(snapshot, identityOf(principal), subAgent);
      if (!narrowed.ok) {
        refused(c, narrowed.step, narrowed.rule, principal);
        throw narrowed.error;
      }
      if (narrowed.identity.delegate !== undefined) principal.delegate = narrowed.identity.delegate;
    }

    const vsName = c.req.param("name");
    if (vsName !== undefined) {
      const vs = snapshot.virtualServers.get(vsName);
      if (!vs) throw errors.unknownVirtualServer(vsName);
      if (!matchesAny(vs.agents, effectiveAgent(principal))) {
        refused(
          c,
          "virtual-server",
          `vs:${vsName} agents (no entry matches '${effectiveAgent(principal)}')`,
          principal,
        );
        throw errors.forbiddenVirtualServer(effectiveAgent(principal), vsName);
      }
      principal.virtualServer = vsName;
    }

    c.set("principal", principal);
    await next();
  };
}
