// The lead's targets, checked against one run's numbers: PASS or MISS, with the numbers that
// decided it. Pure; it judges nothing beyond the stated limits.
import type { ColdResult } from "../scenarios/aggregate.js";
import type { Measured } from "../measure/stats.js";
import type { ScenarioResult } from "../scenarios/single-upstream.js";
import { LABELS, type TargetCheck } from "./results.js";

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
