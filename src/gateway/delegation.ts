// Narrowing to a sub-agent: may this identity act as `subAgent`? The one decision behind
// the X-MCP-Agent header and the meta-tools' `agent_id`: the key's agent must list it in
// `allow.delegates` (and not deny it), an identity already narrowed stays with its
// sub-agent, and on a virtual server the sub-agent must be one of its agents. Pure.
import type { Identity } from "../auth/principal.js";
import { NameSchema } from "../config/schemas.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, type GatewayError } from "../mcp/errors.js";
import { agentLayer } from "./access.js";
import { decideDelegate, matchesAny } from "./policy.js";

export type Narrowed =
  { ok: true; identity: Identity } | { ok: false; step: string; rule: string; error: GatewayError };

export function narrowTo(snapshot: ConfigSnapshot, identity: Identity, subAgent: string): Narrowed {
  if (subAgent === (identity.delegate ?? identity.agent)) return { ok: true, identity };
  if (identity.delegate !== undefined) {
    const rule = `already acting as sub-agent '${identity.delegate}'`;
    return refused("delegate", rule, errors.forbiddenDelegation(identity.agent, subAgent, rule));
  }
  const valid = NameSchema.safeParse(subAgent).success;
  const decision = valid
    ? decideDelegate(agentLayer(snapshot, identity.agent), subAgent)
    : { allowed: false, rule: "not a valid agent name" };
  if (!decision.allowed) {
    const error = errors.forbiddenDelegation(identity.agent, valid ? subAgent : "(invalid)", decision.rule);
    return refused("delegate", decision.rule, error);
  }
  const vs = identity.virtualServer === undefined ? undefined : snapshot.virtualServers.get(identity.virtualServer);
  if (vs && !matchesAny(vs.agents, subAgent)) {
    const rule = `vs:${identity.virtualServer} agents (no entry matches '${subAgent}')`;
    return refused("virtual-server", rule, errors.forbiddenVirtualServer(subAgent, identity.virtualServer!));
  }
  return { ok: true, identity: { ...identity, delegate: subAgent } };
}

function refused(step: string, rule: string, error: GatewayError): Narrowed {
  return { ok: false, step, rule, error };
}
