// GatewayStatus: the one Durable Object that adds up what every isolate reports (see
// observer.ts): request, error and session counts (also per agent), each upstream's
// health, era, breaker state, last error and latency, per agent/server/item call metrics,
// and the latest denials and guard decisions. It keeps the totals in storage so they
// survive eviction. /status and /admin read them; it holds nothing secret because nothing
// secret is reported to it.
import { DurableObject } from "cloudflare:workers";
import { addLatency, emptyLatency } from "./histogram.js";
import type { AgentSessions, CallDelta, OpsDelta, UpstreamDelta } from "./ops-report.js";
import { keepRecent } from "./recent-events.js";

/** An upstream's totals have the shape of one report's facts about it, added up. */
export type UpstreamTotals = UpstreamDelta;

/** Every report's facts added up, since `since`. */
export interface StatusTotals extends OpsDelta {
  since: number;
}

const TOTALS_KEY = "totals";
/** Call series kept; later new ones are folded into "(other)". */
const MAX_CALL_SERIES = 2000;
/** Upstreams kept: more than any real configuration, fewer than a flood of names. */
const MAX_UPSTREAMS = 1000;
/** Agents whose sessions are counted apart; later new ones are counted as "(other)". */
const MAX_SESSION_AGENTS = 1000;

export class GatewayStatus extends DurableObject<Env> {
  #totals: StatusTotals;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Totals stored before a field existed get it empty.
    this.#totals = { ...emptyTotals(), ...ctx.storage.kv.get<StatusTotals>(TOTALS_KEY) };
  }

  record(delta: OpsDelta): void {
    const totals = this.#totals;
    totals.requests += delta.requests;
    totals.errors += delta.errors;
    totals.sessionsStarted += delta.sessionsStarted;
    totals.sessionsEnded += delta.sessionsEnded;
    for (const [name, upstream] of Object.entries(delta.upstreams)) mergeUpstream(totals, name, upstream);
    for (const [key, call] of Object.entries(delta.calls)) mergeCall(totals, key, call);
    for (const [agent, sessions] of Object.entries(delta.sessionsByAgent)) mergeSessions(totals, agent, sessions);
    if (delta.recent.length > 0) totals.recent = keepRecent(totals.recent, delta.recent);
    this.ctx.storage.kv.put(TOTALS_KEY, totals);
  }

  read(): StatusTotals {
    return this.#totals;
  }
}

function emptyTotals(): StatusTotals {
  return {
    since: Date.now(),
    requests: 0,
    errors: 0,
    sessionsStarted: 0,
    sessionsEnded: 0,
    sessionsByAgent: {},
    upstreams: {},
    calls: {},
    recent: [],
  };
}

function mergeSessions(totals: StatusTotals, agent: string, delta: AgentSessions): void {
  const byAgent = totals.sessionsByAgent;
  if (!Object.hasOwn(byAgent, agent) && Object.keys(byAgent).length >= MAX_SESSION_AGENTS) agent = "(other)";
  const into = Object.hasOwn(byAgent, agent) ? byAgent[agent]! : (byAgent[agent] = { started: 0, ended: 0 });
  into.started += delta.started;
  into.ended += delta.ended;
}

function mergeUpstream(totals: StatusTotals, name: string, delta: UpstreamDelta): void {
  if (!Object.hasOwn(totals.upstreams, name)) {
    if (Object.keys(totals.upstreams).length >= MAX_UPSTREAMS) return;
    totals.upstreams[name] = { ok: 0, failed: 0, latency: emptyLatency() };
  }
  const into = totals.upstreams[name]!;
  into.ok += delta.ok;
  into.failed += delta.failed;
  addLatency(into.latency, delta.latency);
  if (delta.lastOkAt !== undefined) into.lastOkAt = Math.max(into.lastOkAt ?? 0, delta.lastOkAt);
  into.lastError = newest(into.lastError, delta.lastError);
  into.era = newest(into.era, delta.era);
  into.breaker = newest(into.breaker, delta.breaker);
}

function mergeCall(totals: StatusTotals, key: string, delta: CallDelta): void {
  let series = { agent: delta.agent, server: delta.server, item: delta.item };
  if (!Object.hasOwn(totals.calls, key) && Object.keys(totals.calls).length >= MAX_CALL_SERIES) {
    series = { agent: "(other)", server: "(other)", item: "(other)" };
    key = JSON.stringify(["(other)", "(other)", "(other)"]);
  }
  const into = Object.hasOwn(totals.calls, key)
    ? totals.calls[key]!
    : (totals.calls[key] = { ...series, calls: 0, errors: 0, latency: emptyLatency() });
  into.calls += delta.calls;
  into.errors += delta.errors;
  addLatency(into.latency, delta.latency);
}

function newest<T extends { at: number }>(current: T | undefined, candidate: T | undefined): T | undefined {
  if (!candidate) return current;
  return !current || candidate.at >= current.at ? candidate : current;
}
