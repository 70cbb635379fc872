// How an endpoint lists its tools to a principal: every visible tool (direct), only the
// gateway's meta-tools (discovery), or the meta-tools plus the tools `directTools` names
// (hybrid). The most specific setting wins: the virtual server's, then the sub-agent's,
// then the agent's, then settings; `directTools` is looked up the same way on its own.
// Pure. What the meta-tools do is discovery.ts's business.
import type { Identity } from "../auth/principal.js";
import type { Exposure } from "../config/schemas.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { matchesPerServer } from "./policy.js";

export interface ExposureRule {
  mode: Exposure;
  /** In hybrid mode, per server: the upstream's own tool names listed directly. */
  directTools: Record<string, string[]> | undefined;
  /** Where the mode was set, as people write it: `vs:coder`, `agent:a`, `settings`. */
  source: string;
}

interface Layer {
  source: string;
  exposure?: Exposure | undefined;
  directTools?: Record<string, string[]> | undefined;
}

export function exposureFor(snapshot: ConfigSnapshot, identity: Identity): ExposureRule {
  const layers: Layer[] = [];
  const vs = identity.virtualServer;
  if (vs !== undefined) layers.push({ source: `vs:${vs}`, ...snapshot.virtualServers.get(vs) });
  if (identity.delegate !== undefined)
    layers.push({ source: `agent:${identity.delegate}`, ...snapshot.agents.get(identity.delegate) });
  layers.push({ source: `agent:${identity.agent}`, ...snapshot.agents.get(identity.agent) });
  const { exposure, directTools } = snapshot.settings;
  layers.push({ source: "settings", exposure, directTools });
  const modeFrom = layers.find((layer) => layer.exposure !== undefined)!;
  return {
    mode: modeFrom.exposure!,
    directTools: layers.find((layer) => layer.directTools !== undefined)?.directTools,
    source: modeFrom.source,
  };
}

/** Whether this tool is listed beside the meta-tools (hybrid mode). */
export function listedDirectly(rule: ExposureRule, server: string, original: string): boolean {
  return rule.mode === "direct" || (rule.mode === "hybrid" && matchesPerServer(rule.directTools, server, original));
}
