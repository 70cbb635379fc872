// Renders a run as plain-text tables: absolute times, differences and ratios to direct and
// to the floor, the targets (PASS/MISS) and memory. Formatting only.
import type { Measured } from "../measure/stats.js";
import { discoverySections } from "./discovery-table.js";
import { guardsSection } from "./guards-table.js";
import { cpu, f, ratio, share, signed, table, type Row } from "./format.js";
import { LABELS, type BenchResults, type ProcessInfo, type TargetCheck } from "./results.js";

const COMPARED = [
  "target",
  "p50",
  "p90",
  "p99",
  "req/s",
  "Δp50 direct",
  "p50/direct",
  "Δp50 floor",
  "Δp99 floor",
  "p50/floor",
  "req/s/floor",
  "workerd CPU/req",
  "upstream CPU/req",
  "errors",
];

/** One row per endpoint; `direct` and `floor` are the rows compared with. */
function comparedRows(results: Record<string, Measured>, labels: Record<string, string> = LABELS): Row[] {
  const direct = results["direct"];
  const floor = results["floor"];
  return Object.entries(results).map(([id, m]) => [
    labels[id] ?? id,
    f(m.p50),
    f(m.p90),
    f(m.p99),
    f(m.throughput, 0),
    direct ? signed(m.p50 - direct.p50) : "–",
    direct ? ratio(m.p50, direct.p50) : "–",
    floor ? signed(m.p50 - floor.p50) : "–",
    floor ? signed(m.p99 - floor.p99) : "–",
    floor ? ratio(m.p50, floor.p50) : "–",
    floor ? share(m.throughput, floor.throughput) : "–",
    cpu(m, "workerd"),
    cpu(m, "upstream"),
    String(m.errors),
  ]);
}

function targetsTable(targets: readonly TargetCheck[]): string {
  return table(
    ["target", "measured", "limit", "", "numbers"],
    targets.map((t) => [
      t.target,
      `${f(t.value)}${t.unit === "%" ? "%" : " ms"}`,
      `${t.sense === "at most" ? "≤" : "≥"} ${f(t.limit)}${t.unit === "%" ? "%" : " ms"}`,
      t.pass ? "PASS" : "MISS",
      t.detail,
    ]),
  );
}

function memoryTable(processes: Record<string, ProcessInfo>): string {
  const all = Object.values(processes);
  const phases = all[0]?.memory.map((m) => m.after) ?? [];
  return table(
    ["process", "pid", ...phases.map((p) => `${p} RSS`), "peak", "log lines"],
    all.map((p) => [
      p.role,
      String(p.pid ?? "?"),
      ...phases.map((phase) => f(p.memory.find((m) => m.after === phase)?.rssMiB ?? NaN, 1)),
      f(p.memory.at(-1)?.peakMiB ?? NaN, 1),
      p.logLines === undefined ? "" : String(p.logLines),
    ]),
  );
}

export function renderReport(results: BenchResults): string {
  const sections: string[] = [];
  const { options } = results;
  sections.push(
    `MCP gateway benchmark, ${results.startedAt} · ${results.machine.cpus}× ${results.machine.cpuModel} · node ${results.machine.node} · ${results.git.commit.slice(0, 10)}${results.git.dirty ? " (dirty)" : ""} · load ${f(results.machine.loadAverage.before)} → ${f(results.machine.loadAverage.after)}`,
    `times in ms, client-observed over keep-alive HTTP/1.1 on 127.0.0.1; upstream answers ${options.upstreamSse ? "event streams" : "JSON"}; ${options.seconds}s per scenario${options.quick ? " (quick)" : ""}`,
  );
  for (const scenario of results.singleUpstream) {
    const what = scenario.method === "tools/call" ? "tools/call echo" : `tools/list (${options.extraTools + 1} tools)`;
    sections.push(`${what}, concurrency ${scenario.concurrency}\n${table(COMPARED, comparedRows(scenario.results))}`);
  }
  if (results.aggregation) sections.push(...aggregationSections(results.aggregation));
  if (results.discovery) sections.push(...discoverySections(results.discovery));
  if (results.guards) sections.push(guardsSection(results.guards));
  sections.push(`targets\n${targetsTable(results.targets)}`);
  sections.push(
    `memory: resident set (VmRSS, MiB) after each phase; peak is VmHWM at the end\n${memoryTable(results.processes)}`,
  );
  const left = Object.entries(results.upstreamSessionsLeft).map(([name, n]) => `${name} ${n}`);
  sections.push(
    `upstream sessions still open after every client session was DELETEd: ${left.join(", ")}\n` +
      "(each gateway keeps one held session per agent and upstream that a 2026-07-28 request reached; more would be sessions never ended)",
  );

  return sections.join("\n\n");
}

function aggregationSections(aggregation: NonNullable<BenchResults["aggregation"]>): string[] {
  const sections: string[] = [];
  const { upstreams, toolsEach } = aggregation;
  sections.push(
    `warm tools/list: gateway over ${upstreams} upstreams × ${toolsEach} tools (cached) vs one ${toolsEach}-tool upstream, concurrency 1\n` +
      table(
        COMPARED,
        comparedRows(aggregation.warm, {
          ...LABELS,
          direct: "one upstream, direct",
          floor: "one upstream, floor",
          floorObject: "one upstream, floor + DO",
          gateway: `gateway, 2025 session (${upstreams * toolsEach} tools)`,
          gatewayModern: `gateway, 2026-07-28 (${upstreams * toolsEach} tools)`,
        }),
      ),
  );
  const cold = aggregation.cold;
  const coldRows: Array<[string, Measured, Measured | undefined, string]> = [
    [`direct: slowest of ${upstreams} concurrent initialize + tools/list`, cold.directInitAndList, undefined, ""],
    [`direct: slowest of ${upstreams} concurrent tools/list (open sessions)`, cold.directList, undefined, ""],
    ["gateway, 2025: first tools/list of a fresh session", cold.gatewayFirstList, cold.directInitAndList, "init+list"],
    ["gateway, 2025: initialize + first tools/list", cold.gatewayInitAndList, cold.directInitAndList, "init+list"],
    ["gateway, 2026-07-28: tools/list", cold.gatewayModernList, cold.directList, "list"],
  ];
  sections.push(
    `cold tools/list over ${upstreams} upstreams × ${toolsEach} tools (catalogTtlSeconds 0), ${cold.directList.count} iterations\n` +
      table(
        ["measured", "p50", "p90", "p99", "max", "vs direct", "Δp50", "p50 ratio"],
        coldRows.map(([label, m, base, against]) => [
          label,
          f(m.p50),
          f(m.p90),
          f(m.p99),
          f(m.max),
          against,
          base ? signed(m.p50 - base.p50) : "",
          base ? ratio(m.p50, base.p50) : "",
        ]),
      ),
  );
  return sections;
}
