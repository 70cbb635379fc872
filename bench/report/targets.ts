// The lead's targets, checked against one run's numbers: PASS or MISS, with the numbers that
// decided it. Pure; it judges nothing beyond the stated limits.
import type { ColdResult } from "../scenarios/aggregate.js";
import { percentile, type Measured } from "../measure/stats.js";
import type { ScenarioResult } from "../scenarios/single-upstream.js";
import { EXECUTE_PAIRS, EXECUTE_TARGETS } from "../scenarios/discovery-execute.js";
import { LABELS, type DiscoveryResult, type TargetCheck } from "./results.js";

const GATEWAYS = ["gateway", "gatewayModern"] as const;

function check(
  target: string,
  value: number,
  sense: TargetCheck["sense"],
  limit: number,
  unit: TargetCheck["unit"],
  detail: string,
  measured: Measured[],
): TargetCheck {
  const failed = measured.find((m) => m.errors > 0);
  const within = sense === "at most" ? value <= limit : value >= limit;
  return {
    target,
    value,
    limit,
    unit,
    sense,
    pass: within && !failed,
    detail: failed ? `${detail}; ${failed.errors} failed requests (${failed.firstError})` : detail,
  };
}

/** Warm tools/call through the gateway: within 0.5 ms (p50) and 2 ms (p99) of the floor, ≥ 90% of its throughput. */
export function callTargets(scenarios: readonly ScenarioResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const scenario of scenarios.filter((s) => s.method === "tools/call")) {
    const floor = scenario.results["floor"]!;
    for (const id of GATEWAYS) {
      const gw = scenario.results[id];
      if (!gw) continue;
      const at = `tools/call c=${scenario.concurrency}, ${LABELS[id]}`;
      checks.push(
        check(
          `${at}: p50 − floor p50 ≤ 0.5 ms`,
          gw.p50 - floor.p50,
          "at most",
          0.5,
          "ms",
          `${ms(gw.p50)} vs ${ms(floor.p50)}`,
          [gw, floor],
        ),
        check(
          `${at}: p99 − floor p99 ≤ 2 ms`,
          gw.p99 - floor.p99,
          "at most",
          2,
          "ms",
          `${ms(gw.p99)} vs ${ms(floor.p99)}`,
          [gw, floor],
        ),
        check(
          `${at}: throughput ≥ 90% of floor`,
          (gw.throughput / floor.throughput) * 100,
          "at least",
          90,
          "%",
          `${gw.throughput.toFixed(0)} vs ${floor.throughput.toFixed(0)} req/s`,
          [gw, floor],
        ),
      );
    }
  }
  return checks;
}

/** Warm aggregated tools/list (p50) no slower than one upstream's tools/list through the floor. */
export function warmTargets(warm: Record<string, Measured>): TargetCheck[] {
  const floor = warm["floor"]!;
  return GATEWAYS.filter((id) => warm[id]).map((id) =>
    check(
      `warm aggregated tools/list, ${LABELS[id]}: p50 ≤ floor p50 (one upstream)`,
      warm[id]!.p50,
      "at most",
      floor.p50,
      "ms",
      `${ms(warm[id]!.p50)} vs ${ms(floor.p50)}`,
      [warm[id]!, floor],
    ),
  );
}

/** Cold aggregated tools/list (p50) no slower than the slowest upstream + 5 ms, three ways of pairing. */
export function coldTargets(cold: ColdResult): TargetCheck[] {
  const pairs: Array<[string, Measured, Measured, string]> = [
    [
      "cold: gateway first tools/list of a fresh session ≤ direct slowest (initialize + tools/list) + 5 ms",
      cold.gatewayFirstList,
      cold.directInitAndList,
      "as the brief pairs them",
    ],
    [
      "cold: gateway initialize + first tools/list ≤ direct slowest (initialize + tools/list) + 5 ms",
      cold.gatewayInitAndList,
      cold.directInitAndList,
      "both start with no session",
    ],
    [
      "cold: gateway 2026-07-28 tools/list ≤ direct slowest tools/list (open sessions) + 5 ms",
      cold.gatewayModernList,
      cold.directList,
      "both on open upstream sessions",
    ],
  ];
  return pairs.map(([target, gw, direct, why]) =>
    check(target, gw.p50, "at most", direct.p50 + 5, "ms", `${ms(gw.p50)} vs ${ms(direct.p50)} + 5 (${why})`, [gw]),
  );
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/**
 * Discovery exposure (issue 13): tools/list tokens at least 95% fewer than direct; warm
 * search_tools at most 2 ms of workerd CPU per search; the index built (first search − warm)
 * within 50 ms; execute_tool within 0.2 ms (p50) of the same call made directly.
 */
export function discoveryTargets(discovery: DiscoveryResult): TargetCheck[] {
  const { context, search, execute } = discovery;
  const checks: TargetCheck[] = [
    check(
      `discovery: tools/list tokens, ${context.direct.tools} tools, direct → discovery: reduction ≥ 95%`,
      context.reductionPercent,
      "at least",
      95,
      "%",
      `${context.direct.tokens} → ${context.discovery.tokens} tokens (${context.encoding})`,
      [],
    ),
  ];
  for (const [id, label] of [
    ["searchLegacy", "2025 session"],
    ["searchModern", "2026-07-28"],
  ] as const) {
    const warm = search.warm[id];
    if (!warm) continue;
    const cpu = warm.cpuMsPerRequest?.["workerd"] ?? NaN;
    const baseline = search.warm["listServers"]?.cpuMsPerRequest?.["workerd"];
    checks.push(
      check(
        `search_tools over ${search.tools} tools, ${label}: workerd CPU per warm search ≤ 2 ms`,
        cpu,
        "at most",
        2,
        "ms",
        `${ms(cpu)} CPU/search, p50 ${ms(warm.p50)}` +
          (baseline === undefined ? "" : `; list_servers ${ms(baseline)} CPU/call`),
        [warm],
      ),
    );
  }
  checks.push(
    check(
      `search_tools over ${search.tools} tools: index build (first search − warm p50) ≤ 50 ms`,
      search.firstExtra.ms,
      "at most",
      50,
      "ms",
      `first ${ms(search.first.ms)}, +${ms(search.firstExtra.cpuMs)} workerd CPU over a warm search`,
      [],
    ),
  );
  if (search.revisions.length > 0) {
    const extras = search.revisions.map((r) => r.extra.ms).sort((a, b) => a - b);
    const median = percentile(extras, 50);
    checks.push(
      check(
        `search_tools over ${search.tools} tools: first search after a config revision, extra over warm (median of ${extras.length}) ≤ 50 ms`,
        median,
        "at most",
        50,
        "ms",
        `extra latency ${extras.map((e) => e.toFixed(1)).join(", ")} ms; CPU ${search.revisions.map((r) => r.extra.cpuMs.toFixed(1)).join(", ")} ms`,
        [],
      ),
    );
  }
  for (const [executed, direct] of EXECUTE_PAIRS) {
    const e = execute[executed];
    const d = execute[direct];
    checks.push(
      check(
        `${EXECUTE_TARGETS[executed]}: p50 − direct tools/call p50 ≤ 0.2 ms`,
        e.p50 - d.p50,
        "at most",
        0.2,
        "ms",
        `${ms(e.p50)} vs ${ms(d.p50)}`,
        [e, d],
      ),
    );
  }
  return checks;
}
