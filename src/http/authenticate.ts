// Middleware that decides who is asking before any MCP handling: an API key (or the
// configured anonymous agent), an optional sub-agent narrowing (X-MCP-Agent), and, on
// /mcp/<name>, the virtual server and whether this agent may use it.
import type { MiddlewareHandler } from "hono";
import { bearerToken, checkApiKey } from "../auth/api-key.js";
import { effectiveAgent, type Principal } from "../auth/principal.js";
import { agentLayer } from "../gateway/access.js";
import { decideDelegate, matchesAny } from "../gateway/policy.js";
import { NameSchema } from "../config/schemas.js";
import { errors } from "../mcp/errors.js";
import { errorHttpResponse } from "./responses.js";
import type { AppEnv } from "./context.js";

export const SUB_AGENT_HEADER = "x-mcp-agent";
const CHALLENGE = 'Bearer realm="mcp-gateway"';

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const snapshot = c.get("snapshot");
    const token = bearerToken(c.req.header("authorization"));
    let principal: Principal;
    if (token === undefined && snapshot.settings.anonymousAgent !== undefined) {
      principal = { agent: snapshot.settings.anonymousAgent };
    } else {
      const check = token ? await checkApiKey(token, snapshot, Date.now()) : { ok: false as const };
      if (!check.ok) {
        const challenge = token === undefined ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`;
        return errorHttpResponse(errors.unauthorized(), null, { "www-authenticate": challenge });
      }
      principal = {
        agent: check.record.agent,
        keyId: check.hash.slice(0, 8),
        ...(check.record.label !== undefined ? { keyLabel: check.record.label } : {}),
      };
    }

    const subAgent = c.req.header(SUB_AGENT_HEADER);
    if (subAgent !== undefined && subAgent !== principal.agent) {
      const valid = NameSchema.safeParse(subAgent).success;
      if (!valid || !decideDelegate(agentLayer(snapshot, principal.agent), subAgent).allowed) {
        return errorHttpResponse(errors.forbiddenDelegation(principal.agent, valid ? subAgent : "(invalid name)"));
      }
      principal.delegate = subAgent;
    }

    const vsName = c.req.param("name");
    if (vsName !== undefined) {
      const vs = snapshot.virtualServers.get(vsName);
      if (!vs) return errorHttpResponse(errors.unknownVirtualServer(vsName));
      if (!matchesAny(vs.agents, effectiveAgent(principal))) {
        return errorHttpResponse(errors.forbiddenVirtualServer(effectiveAgent(principal), vsName));
      }
      principal.virtualServer = vsName;
    }

    c.set("principal", principal);
    await next();
  };
}
