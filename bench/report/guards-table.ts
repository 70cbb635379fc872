// The guards scenario's section of the report, and its target. Formatting and judging only.
import { GUARD_TARGETS, type GuardsResult, type GuardTarget } from "../scenarios/guards.js";
import { cpu, f, signed, table } from "./format.js";
import type { TargetCheck } from "./results.js";

export function guardsSection(guards: GuardsResult): string {
  const rows = (Object.keys(GUARD_TARGETS) as GuardTarget[]).map((id) => {
    const m = guards.measured[id];
    const plain = guards.measured[id.endsWith("Sparse") ? "plainSparse" : "plain"];
    return [
      GUARD_TARGETS[id],
      f(m.p50),
      f(m.p99),
      signed(m.p50 - plain.p50),
      cpu(m, "workerd"),
      cpu(m, "upstream"),
      String(m.errors),
    ];
  });
  return (
    `guards: ${guards.resultChars}-character reports (dense: ${guards.masked} values to mask), through one gateway, ` +
    "with and without the PII guard, interleaved, concurrency 1; Δp50 against the same report without a guard\n" +
    table(["target", "p50", "p99", "Δp50", "workerd CPU/req", "upstream CPU/req", "errors"], rows)
  );
}

/** A call with the PII guard on both sides of a 10 KB result (the dense one): at most 0.3 ms more workerd CPU. */
export function guardsTarget(guards: GuardsResult): TargetCheck {
  const { plain, guarded, plainSparse, guardedSparse } = guards.measured;
  const sparseExtra =
    (guardedSparse.cpuMsPerRequest?.["workerd"] ?? NaN) - (plainSparse.cpuMsPerRequest?.["workerd"] ?? NaN);
  const extra = (guarded.cpuMsPerRequest?.["workerd"] ?? NaN) - (plain.cpuMsPerRequest?.["workerd"] ?? NaN);
  const failed = [plain, guarded, plainSparse, guardedSparse].find((m) => m.errors > 0);
  return {
    target: `guards: PII guard on both sides of a dense ${Math.round(guards.resultChars / 1024)} KB result: extra workerd CPU per call ≤ 0.3 ms`,
    value: extra,
    limit: 0.3,
    unit: "ms",
    sense: "at most",
    pass: extra <= 0.3 && !failed,
    detail:
      `${cpu(guarded, "workerd")} vs ${cpu(plain, "workerd")} CPU/call; p50 ${f(guarded.p50)} vs ${f(plain.p50)}; ` +
      `sparse report: +${f(sparseExtra, 3)} ms` +
      (failed ? `; ${failed.errors} failed requests (${failed.firstError})` : ""),
  };
}
