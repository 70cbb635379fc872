// The operator's view in tests: GET /status with the admin token, its body typed as an
// operator reads it, and a wait for what the isolates report a moment after it happened
// (reports are batched, so tests poll instead of reading once).
import { inject, vi } from "vitest";
import { expect } from "vitest";
import { gatewayFetch } from "./client.js";

export interface LatencySummary {
  count: number;
  avgMs?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export interface UpstreamStatus {
  name: string;
  host?: string;
  usable: boolean;
  problem?: string;
  key?: string;
  era: "legacy" | "modern" | "unknown";
  protocolVersion?: string;
  health: "ok" | "failing" | "unknown";
  breaker: { state: "closed" | "open" | "half-open"; since?: string };
  lastOkAt?: string;
  lastError?: { code: string; message: string; at: string };
  requests: { ok: number; failed: number };
  latency: LatencySummary;
}

export interface CallMetric {
  agent: string;
  server: string;
  item: string;
  calls: number;
  errors: number;
  latency: LatencySummary;
}

export interface StatusReport {
  gateway: { name: string; version: string };
  generatedAt: string;
  countingSince: string;
  config: {
    revision: string;
    loadedAt: string;
    servers: number;
    agents: number;
    virtualServers: number;
    apiKeys: number;
    exposure: { default: string; agents: Record<string, string>; virtualServers: Record<string, string> };
    invalidEntries: Array<{ key: string; problem: string; keptLastGood: boolean }>;
    warnings: string[];
  };
  upstreams: UpstreamStatus[];
  tools: {
    pinning: string;
    attention: Array<{
      server: string;
      tool: string;
      fingerprint: string;
      markers: string[];
      drifted?: string;
      driftedAt?: string;
      state: "pinned" | "drifted" | "quarantined" | "approved";
    }>;
  };
  counts: {
    sessions: { started: number; ended: number; active: number };
    requests: number;
    errors: number;
    calls: number;
    callErrors: number;
  };
  agents: AgentFigures[];
  recentDecisions: RecentDecision[];
  metrics: CallMetric[];
}

export interface AgentFigures {
  agent: string;
  sessions: { started: number; ended: number; active: number };
  calls: number;
  callErrors: number;
}

export interface RecentDecision {
  at: string;
  kind: "deny" | "guard";
  agent?: string;
  delegate?: string;
  virtualServer?: string;
  server?: string;
  method: string;
  item?: string;
  rule?: string;
  guard?: string;
  detectors?: string[];
  action?: string;
  side?: string;
}

/** GET /status with this Authorization header (the admin token's by default; "" sends none). */
export function fetchStatus(authorization = `Bearer ${inject("adminToken")}`): Promise<Response> {
  return gatewayFetch("/status", { headers: { authorization } });
}

/** The report as the operator gets it, with its raw text (to search for what must not be there). */
export async function readStatus(): Promise<{ report: StatusReport; text: string }> {
  const response = await fetchStatus();
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return { report: JSON.parse(text) as StatusReport, text };
}

/** Polls /status until `check` passes on it (reports arrive a moment after the facts); returns that report. */
export async function waitForStatus(check: (report: StatusReport) => void): Promise<StatusReport> {
  return vi.waitFor(
    async () => {
      const { report } = await readStatus();
      check(report);
      return report;
    },
    { timeout: 10_000, interval: 100 },
  );
}

/** One upstream's entry; fails when the report has none by that name. */
export function upstreamIn(report: StatusReport, name: string): UpstreamStatus {
  const upstream = report.upstreams.find((u) => u.name === name);
  expect(upstream, `upstream '${name}' in /status`).toBeDefined();
  return upstream!;
}

/** One agent/server/item series, if the report has it. */
export function metricIn(report: StatusReport, agent: string, server: string, item: string): CallMetric | undefined {
  return report.metrics.find((m) => m.agent === agent && m.server === server && m.item === item);
}
