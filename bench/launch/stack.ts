// Starts everything the benchmark measures, each registered with the teardown as soon as it
// runs: the upstream process; for the call scenarios the gateway (echo upstream) and the
// floor Worker; for aggregation two aggregating gateways over the agg-* upstreams (catalog
// cached, and catalogTtlSeconds 0); for discovery a second upstream process with the large
// search catalog, a gateway in discovery exposure and a search gateway; for guards a gateway
// over the `pii` upstream with and without a guard. Only what the chosen scenarios need is started.
import type { BenchOptions } from "../options.js";
import { startFloor, type Floor } from "./floor.js";
import { BENCH_AGENT, startGateway, type Gateway } from "./gateway.js";
import type { ProcessInfo } from "../report/results.js";
import type { Teardown } from "./teardown.js";
import { startUpstreamProcess, type UpstreamProcess } from "./upstream.js";
import { CATALOG_PRODUCTS } from "../upstream/tools.js";
import { builtWorker } from "../../test/e2e/worker-bundle.js";
import { heapAfterGc } from "../profile/inspector.js";
import { freePort } from "./ports.js";

export interface Stack {
  upstream: UpstreamProcess;
  /** `agg-<i>` → URL. */
  aggregated: Record<string, string>;
  gateway?: Gateway;
  floor?: Floor;
  aggGateway?: Gateway;
  coldGateway?: Gateway;
  discovery?: DiscoveryStack;
  /** Over the `pii` upstream, registered twice: `plain` (no guard) and `guarded` (the PII guard). */
  guardsGateway?: Gateway;
  /** The measured processes, by key, for memory and log counts. */
  processes: Record<string, ProcessInfo>;
}

export interface DiscoveryStack {
  /** The upstream process serving only `catalog` (the search catalog). */
  catalog: UpstreamProcess;
  /** Discovery exposure over echo and the context upstreams, with two virtual servers over the latter. */
  gateway: Gateway;
  /** The agg-* upstreams whose tools the context comparison lists. */
  contextServers: string[];
  /** Virtual servers over contextServers: direct exposure, and discovery exposure. */
  contextDirect: URL;
  contextDiscovery: URL;
  /** Discovery exposure over the catalog only. */
  searchGateway: Gateway;
  /** The search gateway isolate's JavaScript heap after a full GC, in MiB (through its inspector). */
  searchHeapMiB: () => Promise<number>;
  subAgents: string[];
  refreshSeconds: number;
}

/** Upstreams (100 tools each by default) whose merged list the context comparison counts: 500 tools. */
const CONTEXT_UPSTREAMS = 5;
/** Sub-agents of the bench agent that search the catalog, each with its own policy. */
const SUB_AGENTS = 8;
const SEARCH_REFRESH_SECONDS = 1;
/** The guard the guards scenario measures: every personal-data detector, masking, on both sides. */
const PII_GUARD = {
  detect: { email: "mask", phone: "mask", credit_card: "mask", iban: "mask", ip: "mask", secret: "mask" },
  on: ["request", "response"],
};

export async function startStack(options: BenchOptions, teardown: Teardown): Promise<Stack> {
  const wants = (scenario: BenchOptions["only"][number]) => options.only.includes(scenario);
  // The gateway's bundle is built while the upstreams start (every gateway awaits the one build).
  builtWorker().catch(() => undefined);
  const common = { extraTools: options.extraTools, aggregatedTools: options.aggregatedTools, sse: options.upstreamSse };
  const [upstream, catalog] = await Promise.all([
    startUpstreamProcess({ ...common, aggregatedUpstreams: options.aggregatedUpstreams, pii: wants("guards") }),
    wants("discovery")
      ? startUpstreamProcess({ ...common, aggregatedUpstreams: 0, echo: false, catalogTools: options.searchTools })
      : undefined,
  ]);
  teardown.add("upstream process", upstream.stop);
  if (catalog) teardown.add("catalog upstream process", catalog.stop);
  const aggregated = Object.fromEntries(Object.entries(upstream.urls).filter(([name]) => name.startsWith("agg-")));
  const stack: Stack = { upstream, aggregated, processes: {} };
  const n = options.aggregatedUpstreams;

  if (wants("calls")) {
    stack.gateway = await startGateway({ servers: { echo: upstream.urls["echo"]! } });
    teardown.add("gateway", stack.gateway.stop);
    stack.processes["gateway"] = { role: "workerd: gateway (echo)", pid: stack.gateway.pid, memory: [] };
  }
  if (wants("calls") || wants("aggregate")) {
    stack.floor = await startFloor(upstream.urls);
    teardown.add("floor", stack.floor.stop);
    stack.processes["floor"] = { role: "workerd: floor Worker + DO", pid: stack.floor.pid, memory: [] };
  }
  if (wants("aggregate")) {
    // One page carries the whole merged catalog, so warm and cold are one request each, like the direct side.
    const aggSettings = { pageSize: options.aggregatedUpstreams * options.aggregatedTools };
    stack.aggGateway = await startGateway({ servers: aggregated, settings: aggSettings });
    teardown.add("aggregating gateway", stack.aggGateway.stop);
    stack.coldGateway = await startGateway({
      servers: aggregated,
      settings: { ...aggSettings, catalogTtlSeconds: 0 },
    });
    teardown.add("cold aggregating gateway", stack.coldGateway.stop);
    stack.processes["aggGateway"] = {
      role: `workerd: gateway (${n} upstreams, cached)`,
      pid: stack.aggGateway.pid,
      memory: [],
    };
    stack.processes["coldGateway"] = {
      role: `workerd: gateway (${n} upstreams, ttl 0)`,
      pid: stack.coldGateway.pid,
      memory: [],
    };
  }
  if (catalog) {
    stack.discovery = await startDiscovery(options, upstream, catalog, teardown);
    const { gateway, searchGateway, contextServers } = stack.discovery;
    stack.processes["discoveryGateway"] = {
      role: `workerd: gateway (discovery: echo + ${contextServers.length} upstreams)`,
      pid: gateway.pid,
      memory: [],
    };
    stack.processes["searchGateway"] = {
      role: `workerd: gateway (search, ${options.searchTools} tools)`,
      pid: searchGateway.pid,
      memory: [],
    };
  }
  if (wants("guards")) {
    const pii = upstream.urls["pii"]!;
    stack.guardsGateway = await startGateway({
      servers: { plain: pii, guarded: { url: pii, guards: ["pii"] } },
      entries: { "guard:pii": PII_GUARD },
    });
    teardown.add("guards gateway", stack.guardsGateway.stop);
    stack.processes["guardsGateway"] = { role: "workerd: gateway (guards)", pid: stack.guardsGateway.pid, memory: [] };
  }
  stack.processes["upstream"] = { role: "node: all upstreams", pid: upstream.pid, memory: [] };
  if (catalog)
    stack.processes["catalog"] = {
      role: `node: catalog upstream (${options.searchTools} tools)`,
      pid: catalog.pid,
      memory: [],
    };
  return stack;
}

async function startDiscovery(
  options: BenchOptions,
  upstream: UpstreamProcess,
  catalog: UpstreamProcess,
  teardown: Teardown,
): Promise<DiscoveryStack> {
  const contextServers = Object.keys(upstream.urls)
    .filter((name) => name.startsWith("agg-"))
    .slice(0, CONTEXT_UPSTREAMS);
  const servers = Object.fromEntries(
    ["echo", ...contextServers].map((name): [string, string] => [name, upstream.urls[name]!]),
  );
  const contextVs = (exposure: string) => ({ servers: contextServers, exposure, agents: [BENCH_AGENT] });
  const gateway = await startGateway({
    servers,
    // One page carries the whole direct list, as for the aggregating gateways.
    settings: { exposure: "discovery", pageSize: Math.max(500, contextServers.length * options.aggregatedTools) },
    entries: { "vs:context-direct": contextVs("direct"), "vs:context-discovery": contextVs("discovery") },
  });
  teardown.add("discovery gateway", gateway.stop);

  const subAgents = Array.from({ length: SUB_AGENTS }, (_, i) => `${BENCH_AGENT}-${i}`);
  // Its inspector is open only to read the heap between phases; nothing is profiled.
  const inspectorPort = await freePort();
  const searchGateway = await startGateway({
    inspectorPort,
    // Its list is the same for every session: cached once, whoever asks, in either era.
    servers: { catalog: { url: catalog.urls["catalog"]!, sharedLists: true } },
    settings: { exposure: "discovery", catalogTtlSeconds: 3600, configRefreshSeconds: SEARCH_REFRESH_SECONDS },
    agent: { allow: { servers: ["*"], tools: { "*": ["*"] }, delegates: [`${BENCH_AGENT}-*`] } },
    // Each sub-agent sees the catalog but for its own share of the products: views differ per agent.
    entries: Object.fromEntries(
      subAgents.map((name, i) => [
        `agent:${name}`,
        {
          allow: { servers: ["catalog"], tools: { catalog: ["*"] } },
          deny: {
            tools: { catalog: CATALOG_PRODUCTS.filter((_, p) => p % SUB_AGENTS === i).map((p) => `${p}_*`) },
          },
        },
      ]),
    ),
  });
  teardown.add("search gateway", searchGateway.stop);
  return {
    catalog,
    gateway,
    contextServers,
    contextDirect: new URL("/mcp/context-direct", gateway.origin),
    contextDiscovery: new URL("/mcp/context-discovery", gateway.origin),
    searchGateway,
    searchHeapMiB: async () => heapAfterGc(inspectorPort, `core:user:${(await builtWorker()).name}`),
    subAgents,
    refreshSeconds: SEARCH_REFRESH_SECONDS,
  };
}

/** How many lines each workerd's Workers logged so far. */
export function countLogs(stack: Stack): void {
  const workerds: Array<[string, Gateway | undefined]> = [
    ["gateway", stack.gateway],
    ["aggGateway", stack.aggGateway],
    ["coldGateway", stack.coldGateway],
    ["discoveryGateway", stack.discovery?.gateway],
    ["searchGateway", stack.discovery?.searchGateway],
    ["guardsGateway", stack.guardsGateway],
  ];
  for (const [key, workerd] of workerds) if (workerd) stack.processes[key]!.logLines = workerd.logs.count;
  if (stack.floor) stack.processes["floor"]!.logLines = stack.floor.logs.count;
}
