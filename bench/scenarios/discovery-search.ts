// search_tools over a large catalog (one upstream with 5,000 generated tools by default), on
// a gateway of its own in discovery exposure, so its workerd's CPU and memory are its own:
//   1. list_servers first: the catalog is fetched and cached, and the views a search needs
//      are built (everything but the search index);
//   2. the first search_tools: it builds the index (one per catalog revision per isolate);
//   3. warm searches, a 2025 session and stateless 2026-07-28 requests interleaved, each
//      asking the next task of SEARCH_TASKS: latency, and workerd CPU per search;
//   4. several agents (the bench agent and its sub-agents through `agent_id`, each with its
//      own policy) at once, each asking many different tasks, in rounds: resident memory
//      after each round says whether it stays bounded;
//   5. configuration revisions: the revision is changed (new views; the index is kept, as
//      it depends on the upstream lists only), list_servers rebuilds the views, then the
//      first search, compared with the searches that follow it.
// Also, as a cross-check outside workerd, the gateway's own buildToolIndex over the same
// definitions in this Node process.
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { cpuMsOf, memoryOf } from "../launch/processes.js";
import type { Gateway } from "../launch/gateway.js";
import { interleave } from "../measure/interleave.js";
import { measuredOf, percentile, type Measured } from "../measure/stats.js";
import { buildToolIndex, type SearchableTool } from "../../src/gateway/tool-search.js";
import { callTool } from "./discovery-context.js";
import { SEARCH_TASKS, variedTasks } from "./search-queries.js";

export interface Timed {
  ms: number;
  cpuMs: number;
}

export interface SearchResult {
  tools: number;
  /** The first list_servers: the catalog fetched from the upstream and cached, views built. */
  catalogCached: Timed;
  /** The first search_tools after that (2025 session): builds the index. */
  first: Timed;
  /** first − warm (latency: − the 2025 session's warm p50; CPU: − its warm CPU per search). */
  firstExtra: Timed;
  /**
   * Warm searches by era (searchLegacy, searchModern), and listServers: list_servers on the
   * same session, interleaved with them, as the cost of a meta-tool call that searches nothing.
   */
  warm: Record<string, Measured>;
  /** After each configuration revision: the first search, the next ones (median, mean CPU), the extra. */
  revisions: Array<{ first: Timed; next: Timed; extra: Timed }>;
  /** buildToolIndex over the same definitions in this Node process (median of nodeBuilds), in ms. */
  nodeIndexBuildMs: number;
  nodeBuilds: number;
  agents: number;
  /** Different tasks each agent asks per round of the memory phase. */
  tasksPerAgent: number;
  /** The search gateway's resident set and its isolate's JavaScript heap after a full GC (MiB), after each step. */
  memory: Array<{ after: string; rssMiB: number; heapMiB: number }>;
}

export interface SearchTargets {
  gateway: Gateway;
  /** The catalog upstream, for the Node cross-check, and its process (CPU charged as `upstream`). */
  catalog: { url: URL; pid: number | undefined };
  expectedTools: number;
  /** Sub-agents the bench agent may narrow to, each with its own policy. */
  subAgents: readonly string[];
  /** The gateway's configRefreshSeconds. */
  refreshSeconds: number;
  /** The gateway isolate's JavaScript heap after a full GC, in MiB. */
  heapMiB: () => Promise<number>;
}

export interface SearchOptions {
  seconds: number;
  perClient: number;
  rounds: number;
  tasksPerAgent: number;
  revisions: number;
  /** Builds of the Node cross-check (the median is reported). */
  nodeBuilds: number;
}

export async function measureSearch(targets: SearchTargets, options: SearchOptions): Promise<SearchResult> {
  const { gateway } = targets;
  const pid = gateway.pid;
  if (pid === undefined) throw new Error("the search gateway's workerd PID is unknown");
  const memory: SearchResult["memory"] = [];
  const sample = async (after: string) =>
    memory.push({ after, rssMiB: (await memoryOf(pid))?.rssMiB ?? NaN, heapMiB: await targets.heapMiB() });
  const agent = keepAliveAgent(1 + targets.subAgents.length);
  const { session } = await LegacySession.open(agent, gateway.endpoint);
  const modern = new ModernClient(agent, gateway.endpoint);
  try {
    await sample("started");
    const catalogCached = await timed(pid, async () => {
      const answer = await callTool(session, "list_servers", {});
      const servers = answer.structured["servers"] as Array<{ name: string; tools: number | null }>;
      const listed = servers.find((s) => s.name === "catalog")?.tools;
      if (listed !== targets.expectedTools)
        throw new Error(`list_servers counted ${listed} catalog tools, not ${targets.expectedTools}`);
      return answer;
    });
    await sample("catalog cached");
    const first = await timed(pid, () => search(session, SEARCH_TASKS[0]!));
    await sample("index built");

    const next = rotation(SEARCH_TASKS);
    const processes = { workerd: pid, ...(targets.catalog.pid ? { upstream: targets.catalog.pid } : {}) };
    const recorded = await interleave(
      [
        { id: "searchLegacy", run: async () => (await search(session, next())).ms },
        { id: "searchModern", run: async () => (await search(modern, next())).ms },
        { id: "listServers", run: async () => (await callTool(session, "list_servers", {})).ms },
      ].map((target) => ({ ...target, processes })),
      { concurrency: 1, perClient: options.perClient, seconds: options.seconds, minRounds: 3, warmupRounds: 1 },
    );
    const warm = Object.fromEntries([...recorded].map(([id, r]) => [id, measuredOf(r)]));
    await sample("warm searches");
    const legacy = warm["searchLegacy"]!;
    const firstExtra = {
      ms: first.ms - legacy.p50,
      cpuMs: first.cpuMs - (legacy.cpuMsPerRequest?.["workerd"] ?? NaN),
    };

    const agentIds = [undefined, ...targets.subAgents];
    for (let round = 1; round <= options.rounds; round++) {
      await Promise.all(
        agentIds.map(async (agentId, a) => {
          const client = new ModernClient(agent, gateway.endpoint);
          for (const task of variedTasks(options.tasksPerAgent, round * 1000 + a + 1))
            await search(client, task, agentId);
        }),
      );
      await sample(`agents round ${round}`);
    }

    const nodeIndexBuildMs = await nodeIndexBuild(targets.catalog.url, options.nodeBuilds);
    const revisions: SearchResult["revisions"] = [];
    for (let i = 1; i <= options.revisions; i++) revisions.push(await afterRevision(targets, session, pid, i));
    if (options.revisions > 0) await sample(`${options.revisions} revisions later`);

    return {
      tools: targets.expectedTools,
      catalogCached,
      first,
      firstExtra,
      warm,
      revisions,
      nodeIndexBuildMs,
      nodeBuilds: options.nodeBuilds,
      agents: agentIds.length,
      tasksPerAgent: options.tasksPerAgent,
      memory,
    };
  } finally {
    await session.close().catch(() => undefined);
    agent.destroy();
  }
}

/** One search; a task of SEARCH_TASKS must find something (a generated one, for an agent that sees less, may not). */
async function search(client: McpClient, query: string, agentId?: string) {
  const answer = await callTool(client, "search_tools", {
    query,
    limit: 5,
    ...(agentId === undefined ? {} : { agent_id: agentId }),
  });
  if (agentId === undefined && answer.count("tools") === 0)
    throw new Error(`search_tools found nothing for "${query}"`);
  return answer;
}

/** One request, with its latency and the CPU the gateway's workerd used meanwhile. */
async function timed(pid: number, run: () => Promise<{ ms: number }>): Promise<Timed> {
  const before = await cpuMsOf(pid);
  const { ms } = await run();
  return { ms, cpuMs: (await cpuMsOf(pid)) - before };
}

function rotation(items: readonly string[]): () => string {
  let i = 0;
  return () => items[i++ % items.length]!;
}

const NEXT_SEARCHES = 10;

/** A new configuration revision, then list_servers (new views), then the first search on it (the index is kept). */
async function afterRevision(targets: SearchTargets, session: McpClient, pid: number, i: number) {
  const loaded = targets.gateway.logs.watch("config.loaded");
  await targets.gateway.putConfig("agent:bench-revision", { description: `revision ${i}` });
  // A request past the refresh interval makes the gateway read the configuration again.
  const deadline = performance.now() + 10 * targets.refreshSeconds * 1000;
  while (loaded() === 0) {
    if (performance.now() > deadline) throw new Error("the search gateway did not load the new configuration");
    await new Promise((resolve) => setTimeout(resolve, 250));
    await callTool(session, "list_servers", {});
  }
  // On the new revision: new views (built here), and no index yet.
  await callTool(session, "list_servers", {});
  const first = await timed(pid, () => search(session, SEARCH_TASKS[i % SEARCH_TASKS.length]!));
  const after: Timed[] = [];
  for (let n = 1; n <= NEXT_SEARCHES; n++)
    after.push(await timed(pid, () => search(session, SEARCH_TASKS[(i + n) % SEARCH_TASKS.length]!)));
  const next = {
    ms: percentile(
      after.map((t) => t.ms).sort((a, b) => a - b),
      50,
    ),
    cpuMs: after.reduce((sum, t) => sum + t.cpuMs, 0) / after.length,
  };
  return { first, next, extra: { ms: first.ms - next.ms, cpuMs: first.cpuMs - next.cpuMs } };
}

/** The gateway's own index builder over the catalog's definitions, here in Node: the median of `builds`. */
async function nodeIndexBuild(url: URL, builds: number): Promise<number> {
  const agent = keepAliveAgent(1);
  const { session } = await LegacySession.open(agent, url);
  try {
    const { result } = await session.request("tools/list");
    const tools = (result["tools"] as SearchableTool[]).map((tool) => ({ ...tool, server: "catalog" }));
    const times: number[] = [];
    for (let i = 0; i < builds; i++) {
      const started = performance.now();
      buildToolIndex(tools);
      times.push(performance.now() - started);
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  } finally {
    await session.close();
    agent.destroy();
  }
}
