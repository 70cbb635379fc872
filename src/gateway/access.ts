// Builds the Policy for an identity from the configuration snapshot: the agent's rules,
// then the sub-agent's, then the virtual server's selection, intersected. Policies are
// kept per isolate by (revision, identity), so their decision caches stay warm.
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Identity } from "../auth/principal.js";
import { Policy, type RuleLayer } from "./policy.js";

const policies = new Map<string, Policy>();
const POLICY_CACHE_LIMIT = 1000;

export function policyFor(snapshot: ConfigSnapshot, identity: Identity): Policy {
  const key = [snapshot.revision, identity.agent, identity.delegate ?? "", identity.virtualServer ?? ""].join("|");
  let policy = policies.get(key);
  if (!policy) {
    const layers = [agentLayer(snapshot, identity.agent)];
    if (identity.delegate !== undefined) layers.push(agentLayer(snapshot, identity.delegate));
    if (identity.virtualServer !== undefined) layers.push(...virtualServerLayers(snapshot, identity.virtualServer));
    policy = new Policy(layers, key);
    if (policies.size >= POLICY_CACHE_LIMIT) policies.delete(policies.keys().next().value!);
    policies.set(key, policy);
  }
  return policy;
}

/** An agent without an `agent:` entry has no rules, and so sees nothing. */
export function agentLayer(snapshot: ConfigSnapshot, agent: string): RuleLayer {
  const rules = snapshot.agents.get(agent);
  return { source: `agent:${agent}`, allow: rules?.allow ?? {}, deny: rules?.deny ?? {} };
}

/**
 * A virtual server's selection, read as allow rules: it can only narrow. Two layers, so
 * that per-server selections apply only within `servers`: the first admits just those
 * servers, the second restricts the servers that have a per-server list.
 */
function virtualServerLayers(snapshot: ConfigSnapshot, name: string): RuleLayer[] {
  const vs = snapshot.virtualServers.get(name);
  const source = `vs:${name}`;
  if (!vs) return [{ source, allow: {}, deny: {} }];
  const selection = {
    servers: ["*"],
    ...(vs.tools ? { tools: vs.tools } : {}),
    ...(vs.prompts ? { prompts: vs.prompts } : {}),
    ...(vs.resources ? { resources: vs.resources } : {}),
  };
  return [
    { source, allow: { servers: vs.servers }, deny: {} },
    { source, allow: selection, deny: {} },
  ];
}
