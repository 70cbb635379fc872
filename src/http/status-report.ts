// The report /status serves as JSON and /admin shows as a page, built from the config
// snapshot, the totals of the GatewayStatus object and the tool pins: the configuration in
// force (revision, when loaded, invalid entries and why), each upstream's era, health,
// breaker state, last error and latency, counts of sessions, requests and calls, sessions
// and calls per agent, per agent/server/item metrics, and the latest denials and guard
// decisions. Never URLs' paths or queries, header values, keys or secrets: upstream URLs
// can carry tokens, so only hosts appear, and error messages are scrubbed of the
// registration's secret values. Checking who may read it is the endpoints' job.
import { configStore } from "../config/store.js";
import { KEY_PREFIX, type ConfigSnapshot } from "../config/snapshot.js";
import { summarizeLatency } from "../observe/histogram.js";
import { GATEWAY_STATUS_NAME, type WaitUntil } from "../observe/observer.js";
import { pinStoreFor, type PinSummary } from "../observe/tool-pins.js";
import type { StatusTotals, UpstreamTotals } from "../observe/gateway-status.js";
import type { RecentEvent } from "../observe/recent-events.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";

export type StatusReport = ReturnType<typeof statusReport>;

/** Reads what the report is built from (the snapshot in force, the totals, the pins) and builds it. */
export async function loadStatusReport(env: Env, waitUntil: WaitUntil): Promise<StatusReport> {
  const [snapshot, totals, pins] = await Promise.all([
    configStore(env).current(waitUntil),
    env.GATEWAY_STATUS.get(env.GATEWAY_STATUS.idFromName(GATEWAY_STATUS_NAME)).read() as Promise<StatusTotals>,
    pinStoreFor(env).summary(),
  ]);
  return statusReport(snapshot, totals, pins);
}

export function statusReport(snapshot: ConfigSnapshot, totals: StatusTotals, pins: readonly PinSummary[] = []) {
  const calls = Object.values(totals.calls);
  return {
    gateway: GATEWAY_INFO,
    generatedAt: new Date().toISOString(),
    countingSince: new Date(totals.since).toISOString(),
    config: {
      revision: snapshot.revision,
      loadedAt: new Date(snapshot.loadedAt).toISOString(),
      servers: snapshot.servers.size,
      agents: snapshot.agents.size,
      virtualServers: snapshot.virtualServers.size,
      apiKeys: snapshot.apiKeys.size,
      exposure: exposureOf(snapshot),
      oauthIssuers: (snapshot.settings.oauth ?? []).map((issuer) => issuer.issuer),
      invalidEntries: snapshot.problems.map(({ key, problem, keptLastGood }) => ({ key, problem, keptLastGood })),
      warnings: snapshot.warnings,
    },
    upstreams: upstreamsOf(snapshot, totals),
    tools: toolsOf(snapshot, pins),
    counts: {
      sessions: {
        started: totals.sessionsStarted,
        ended: totals.sessionsEnded,
        active: Math.max(0, totals.sessionsStarted - totals.sessionsEnded),
      },
      requests: totals.requests,
      errors: totals.errors,
      calls: calls.reduce((sum, c) => sum + c.calls, 0),
      callErrors: calls.reduce((sum, c) => sum + c.errors, 0),
    },
    agents: agentsOf(totals),
    recentDecisions: totals.recent.map(recentDecisionOf),
    metrics: calls
      .map(({ agent, server, item, calls, errors, latency }) => ({
        agent,
        server,
        item,
        calls,
        errors,
        latency: summarizeLatency(latency),
      }))
      .sort((a, b) => b.calls - a.calls),
  };
}

/** Per agent (the sub-agent, when one was named): its 2025-era sessions and its upstream calls. */
function agentsOf(totals: StatusTotals) {
  const agents = new Map<
    string,
    { sessionsStarted: number; sessionsEnded: number; calls: number; callErrors: number }
  >();
  const entry = (agent: string) => {
    let found = agents.get(agent);
    if (!found) agents.set(agent, (found = { sessionsStarted: 0, sessionsEnded: 0, calls: 0, callErrors: 0 }));
    return found;
  };
  for (const [agent, sessions] of Object.entries(totals.sessionsByAgent)) {
    const into = entry(agent);
    into.sessionsStarted += sessions.started;
    into.sessionsEnded += sessions.ended;
  }
  for (const call of Object.values(totals.calls)) {
    const into = entry(call.agent);
    into.calls += call.calls;
    into.callErrors += call.errors;
  }
  return [...agents]
    .map(([agent, { sessionsStarted: started, sessionsEnded: ended, calls, callErrors }]) => ({
      agent,
      sessions: { started, ended, active: Math.max(0, started - ended) },
      calls,
      callErrors,
    }))
    .sort((a, b) => b.calls - a.calls || a.agent.localeCompare(b.agent));
}

/** A denial or guard decision as the report shows it: its time as an ISO string. */
function recentDecisionOf({ at, ...event }: RecentEvent) {
  return { at: new Date(at).toISOString(), ...event };
}

/**
 * Tool pinning: the mode, and the tools worth a look: drifted from their pin (quarantined
 * unless approved, in quarantine mode) or flagged for injection markers when first seen.
 */
function toolsOf(snapshot: ConfigSnapshot, pins: readonly PinSummary[]) {
  const mode = snapshot.settings.toolPinning;
  return {
    pinning: mode,
    attention: pins.map((pin) => {
      const approved = snapshot.servers.get(pin.server)?.pinning.approved[pin.tool];
      const state =
        pin.drifted === undefined
          ? "pinned"
          : approved === pin.drifted
            ? "approved"
            : mode === "quarantine"
              ? "quarantined"
              : "drifted";
      return { ...pin, state };
    }),
  };
}

/** How tools are listed: the default, and the agents and virtual servers that set their own. */
function exposureOf(snapshot: ConfigSnapshot) {
  const own = (entries: ReadonlyMap<string, { exposure?: string | undefined }>) =>
    Object.fromEntries([...entries].flatMap(([name, entry]) => (entry.exposure ? [[name, entry.exposure]] : [])));
  return {
    default: snapshot.settings.exposure,
    agents: own(snapshot.agents),
    virtualServers: own(snapshot.virtualServers),
  };
}

/** Every registration, usable or not, with what the isolates reported about it. */
function upstreamsOf(snapshot: ConfigSnapshot, totals: StatusTotals) {
  const names = new Set([...snapshot.servers.keys(), ...snapshot.unusable.keys()]);
  return [...names].sort().map((name) => {
    const server = snapshot.servers.get(name);
    const seen = Object.hasOwn(totals.upstreams, name) ? totals.upstreams[name] : undefined;
    const scrub = (text: string) => server?.secretForms?.scrubText(text) ?? text;
    return {
      name,
      host: server ? hostOf(server.registration.url) : undefined,
      usable: server !== undefined,
      ...(server ? {} : { problem: snapshot.unusable.get(name), key: `${KEY_PREFIX.server}${name}` }),
      era: seen?.era?.era ?? "unknown",
      protocolVersion: seen?.era?.protocolVersion,
      health: healthOf(seen),
      breaker: { state: seen?.breaker?.state ?? "closed", since: iso(seen?.breaker?.at) },
      lastOkAt: iso(seen?.lastOkAt),
      lastError: seen?.lastError
        ? { code: seen.lastError.code, message: scrub(seen.lastError.message), at: iso(seen.lastError.at) }
        : undefined,
      requests: { ok: seen?.ok ?? 0, failed: seen?.failed ?? 0 },
      latency: summarizeLatency(seen?.latency ?? { count: 0, sumMs: 0, maxMs: 0, buckets: [] }),
    };
  });
}

/** ok: last heard of succeeding; failing: last heard of failing; unknown: not heard of yet. */
function healthOf(seen: UpstreamTotals | undefined): "ok" | "failing" | "unknown" {
  if (!seen || (seen.lastOkAt === undefined && seen.lastError === undefined)) return "unknown";
  if (seen.breaker?.state === "open") return "failing";
  return (seen.lastError?.at ?? -1) > (seen.lastOkAt ?? -1) ? "failing" : "ok";
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

function iso(at: number | undefined): string | undefined {
  return at === undefined ? undefined : new Date(at).toISOString();
}
