// What this isolate saw since its last report to the GatewayStatus object: upstream
// outcomes (health, latency, last error, breaker changes, era), per agent/server/tool
// call metrics, request counts, sessions per agent, and the latest denials and guard
// decisions (recent-events.ts). Plain data, no I/O: observer.ts sends it. Keys and lists
// are bounded so a flood of distinct names or refusals cannot grow it without limit.
import { emptyLatency, observeLatency, type Latency } from "./histogram.js";
import { MAX_RECENT_EVENTS, type RecentEvent } from "./recent-events.js";

/** A circuit breaker's state, as upstream/breaker.ts keeps it. */
export type BreakerState = "closed" | "open" | "half-open";

export interface UpstreamError {
  code: string;
  message: string;
  at: number;
}

export interface UpstreamDelta {
  ok: number;
  failed: number;
  latency: Latency;
  lastOkAt?: number;
  lastError?: UpstreamError;
  era?: { era: string; protocolVersion: string; at: number };
  breaker?: { state: BreakerState; at: number };
}

export interface CallDelta {
  agent: string;
  server: string;
  /** The upstream's own tool or prompt name, the resource URI's method, or the method. */
  item: string;
  calls: number;
  errors: number;
  latency: Latency;
}

/** Sessions an agent (the sub-agent, when it narrowed itself) started and ended. */
export interface AgentSessions {
  started: number;
  ended: number;
}

export interface OpsDelta {
  requests: number;
  errors: number;
  sessionsStarted: number;
  sessionsEnded: number;
  sessionsByAgent: Record<string, AgentSessions>;
  upstreams: Record<string, UpstreamDelta>;
  calls: Record<string, CallDelta>;
  /** Denials and guard decisions, oldest first, at most MAX_RECENT_EVENTS (the latest). */
  recent: RecentEvent[];
}

/** Distinct call series kept per report; more are folded into one "(other)" series. */
const MAX_CALL_SERIES = 500;
/** Distinct agents whose sessions a report counts; more are counted as "(other)". */
const MAX_SESSION_AGENTS = 500;

function emptyDelta(): OpsDelta {
  return {
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

let pending: OpsDelta = emptyDelta();
let dirty = false;

export const opsReport = {
  get dirty(): boolean {
    return dirty;
  },

  /** Hands over everything seen so far and starts afresh. */
  take(): OpsDelta {
    const taken = pending;
    pending = emptyDelta();
    dirty = false;
    return taken;
  },

  request(failed: boolean): void {
    pending.requests++;
    if (failed) pending.errors++;
    dirty = true;
  },

  session(event: "started" | "ended", agent: string): void {
    const byAgent = pending.sessionsByAgent;
    if (!Object.hasOwn(byAgent, agent) && Object.keys(byAgent).length >= MAX_SESSION_AGENTS) agent = "(other)";
    const counted = Object.hasOwn(byAgent, agent) ? byAgent[agent]! : (byAgent[agent] = { started: 0, ended: 0 });
    if (event === "started") {
      pending.sessionsStarted++;
      counted.started++;
    } else {
      pending.sessionsEnded++;
      counted.ended++;
    }
    dirty = true;
  },

  /** A denial or guard decision; past MAX_RECENT_EVENTS the oldest one is let go. */
  recent(event: RecentEvent): void {
    if (pending.recent.length >= MAX_RECENT_EVENTS) pending.recent.shift();
    pending.recent.push(event);
    dirty = true;
  },

  upstreamOk(server: string, latencyMs: number, at = Date.now()): void {
    const u = upstream(server);
    u.ok++;
    u.lastOkAt = at;
    observeLatency(u.latency, latencyMs);
  },

  upstreamFailed(server: string, latencyMs: number, error: { code: string; message: string }, at = Date.now()): void {
    const u = upstream(server);
    u.failed++;
    u.lastError = { code: error.code, message: error.message, at };
    observeLatency(u.latency, latencyMs);
  },

  era(server: string, era: string, protocolVersion: string, at = Date.now()): void {
    upstream(server).era = { era, protocolVersion, at };
  },

  breaker(server: string, state: BreakerState, at: number): void {
    upstream(server).breaker = { state, at };
  },

  call(agent: string, server: string, item: string, failed: boolean, latencyMs: number): void {
    let key = JSON.stringify([agent, server, item]);
    if (!(key in pending.calls) && Object.keys(pending.calls).length >= MAX_CALL_SERIES) {
      key = JSON.stringify(["(other)", "(other)", "(other)"]);
      agent = server = item = "(other)";
    }
    const c = (pending.calls[key] ??= { agent, server, item, calls: 0, errors: 0, latency: emptyLatency() });
    c.calls++;
    if (failed) c.errors++;
    observeLatency(c.latency, latencyMs);
    dirty = true;
  },
};

function upstream(server: string): UpstreamDelta {
  dirty = true;
  if (!Object.hasOwn(pending.upstreams, server))
    pending.upstreams[server] = { ok: 0, failed: 0, latency: emptyLatency() };
  return pending.upstreams[server]!;
}
