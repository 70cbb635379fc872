// The discovery scenario's sections of the report: context size, search_tools over the
// large catalog (first search, warm searches, memory, configuration revisions), execute_tool against the
// direct call. Formatting only.
import { EXECUTE_PAIRS, EXECUTE_TARGETS, type ExecuteTarget } from "../scenarios/discovery-execute.js";
import type { Timed } from "../scenarios/discovery-search.js";
import { cpu, f, signed, table } from "./format.js";
import type { DiscoveryResult } from "./results.js";

const SEARCH_LABELS: Record<string, string> = {
  searchLegacy: "search_tools, 2025 session",
  searchModern: "search_tools, 2026-07-28",
  listServers: "list_servers, 2025 session (no search)",
};

export function discoverySections(discovery: DiscoveryResult): string[] {
  return [contextSection(discovery), searchSection(discovery), executeSection(discovery)];
}

function contextSection({ context }: DiscoveryResult): string {
  const rows = [
    ["direct exposure (every tool)", context.direct],
    ["discovery exposure (meta-tools)", context.discovery],
  ] as const;
  return (
    `discovery: tools/list, direct against discovery exposure, over the same ${context.direct.tools} tools; ` +
    `tokens of JSON.stringify(tools), gpt-tokenizer ${context.encoding}\n` +
    table(
      ["listed", "tools", "chars", "tokens"],
      rows.map(([label, size]) => [label, String(size.tools), String(size.chars), String(size.tokens)]),
    ) +
    `\nreduction: ${f(context.reductionPercent)}% fewer tokens. For scale, per discovery step: ` +
    `a search_tools answer (${context.searchAnswer.tools} tools with input schemas) ${context.searchAnswer.tokens} tokens; ` +
    `get_server_tools ${context.serverTools.server} (${context.serverTools.tools} tools) ${context.serverTools.tokens} tokens`
  );
}

function searchSection({ search }: DiscoveryResult): string {
  const timed = (label: string, t: Timed): string[] => [label, f(t.ms), f(t.cpuMs)];
  const steps: string[][] = [
    timed("list_servers, first (catalog fetched and cached, views built)", search.catalogCached),
    timed("search_tools, first after that (builds the index)", search.first),
    timed("  its extra over a warm search (latency − warm p50, CPU − warm CPU/search)", search.firstExtra),
    ...search.revisions.flatMap((r, i) => [
      timed(`config revision ${i + 1} (views rebuilt, index kept): first search`, r.first),
      timed("  the 10 searches after it (median latency, mean CPU)", r.next),
      timed("  extra", r.extra),
    ]),
  ];
  const warm = Object.entries(search.warm).map(([id, m]) => [
    SEARCH_LABELS[id] ?? id,
    f(m.p50),
    f(m.p90),
    f(m.p99),
    f(m.throughput, 0),
    cpu(m, "workerd"),
    cpu(m, "upstream"),
    String(m.errors),
  ]);
  const memory = search.memory.map((m) => `${m.after} ${f(m.heapMiB, 1)} / ${f(m.rssMiB, 0)}`).join(" · ");
  return [
    `discovery: search_tools over ${search.tools} tools (limit 5), its own gateway; one request each, timed alone`,
    table(["measured", "latency ms", "workerd CPU ms"], steps),
    `buildToolIndex over the same ${search.tools} definitions in this Node process: ${f(search.nodeIndexBuildMs)} ms (median of ${search.nodeBuilds})`,
    "",
    "warm searches, interleaved, concurrency 1, a different task each time",
    table(["target", "p50", "p90", "p99", "req/s", "workerd CPU/req", "upstream CPU/req", "errors"], warm),
    "",
    `search gateway's memory, MiB: JavaScript heap after a full GC / resident set (VmRSS): ${memory}`,
    `(each round: ${search.agents} agents (bench and its sub-agents through agent_id, each its own policy) at once, ` +
      `${search.tasksPerAgent} different tasks each)`,
  ].join("\n");
}

function executeSection({ execute }: DiscoveryResult): string {
  const base = new Map<ExecuteTarget, ExecuteTarget>(EXECUTE_PAIRS);
  const rows = (Object.keys(EXECUTE_TARGETS) as ExecuteTarget[]).map((id) => {
    const m = execute[id];
    const direct = execute[base.get(id) ?? id];
    return [
      EXECUTE_TARGETS[id],
      f(m.p50),
      f(m.p90),
      f(m.p99),
      f(m.throughput, 0),
      signed(m.p50 - direct.p50),
      signed(m.p99 - direct.p99),
      cpu(m, "workerd"),
      cpu(m, "upstream"),
      String(m.errors),
    ];
  });
  return (
    "discovery: execute_tool against the same call made directly (an upstream's echo), each pair on one gateway in discovery exposure, concurrency 1\n" +
    table(
      [
        "target",
        "p50",
        "p90",
        "p99",
        "req/s",
        "Δp50 direct",
        "Δp99 direct",
        "workerd CPU/req",
        "upstream CPU/req",
        "errors",
      ],
      rows,
    )
  );
}
