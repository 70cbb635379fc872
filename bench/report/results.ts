// The shape of one benchmark run, as run.ts collects it and results/<timestamp>.json stores it.
import type { BenchOptions } from "../options.js";
import type { Memory } from "../launch/processes.js";
import type { ColdResult } from "../scenarios/aggregate.js";
import type { Measured } from "../measure/stats.js";
import type { ScenarioResult } from "../scenarios/single-upstream.js";
import type { ContextResult } from "../scenarios/discovery-context.js";
import type { SearchResult } from "../scenarios/discovery-search.js";
import type { ExecuteTarget } from "../scenarios/discovery-execute.js";
import type { GuardsResult } from "../scenarios/guards.js";

/** Endpoint ids, as the scenarios key their results. */
export const ENDPOINTS = {
  direct: "direct",
  floor: "floor",
  floorObject: "floorObject",
  gateway: "gateway",
  gatewayModern: "gatewayModern",
} as const;

export const LABELS: Record<string, string> = {
  direct: "direct (upstream)",
  floor: "floor Worker",
  floorObject: "floor Worker + DO hop",
  gateway: "gateway, 2025 session",
  gatewayModern: "gateway, 2026-07-28",
};

export interface ProcessInfo {
  /** What runs in it. */
  role: string;
  pid: number | undefined;
  /** RSS after each phase of the run, in order: `idle` (started, no request yet), then each scenario. */
  memory: Array<{ after: string } & Memory>;
  /** Lines its Workers logged during the run (workerd processes only). */
  logLines?: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  options: BenchOptions;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews everything. */
    loadAverage: { before: number; after: number };
  };
  git: { commit: string; dirty: boolean };
  /** Empty when the call scenarios were not run (`--only`). */
  singleUpstream: ScenarioResult[];
  aggregation?: { upstreams: number; toolsEach: number; warm: Record<string, Measured>; cold: ColdResult };
  discovery?: DiscoveryResult;
  guards?: GuardsResult;
  processes: Record<string, ProcessInfo>;
  /**
   * Sessions each upstream still held at the end, after every client session was DELETEd.
   * The gateways legitimately hold one per (agent, upstream) for 2026-07-28 clients.
   */
  upstreamSessionsLeft: Record<string, number>;
  targets: TargetCheck[];
}

/** Discovery exposure: context size, search_tools over a large catalog, execute_tool's overhead. */
export interface DiscoveryResult {
  context: ContextResult;
  search: SearchResult;
  execute: Record<ExecuteTarget, Measured>;
}

export interface TargetCheck {
  target: string;
  /** What was measured, and the limit it is held to, in `unit`. */
  value: number;
  limit: number;
  unit: "ms" | "%";
  /** value ≤ limit ("at most") or value ≥ limit ("at least"). */
  sense: "at most" | "at least";
  pass: boolean;
  detail: string;
}
