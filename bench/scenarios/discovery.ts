// The discovery scenario, in order: context size (tools/list tokens, direct against
// discovery exposure), search_tools over the large catalog, and execute_tool against the
// same call made directly. Each part is its own file; this one runs them in turn.
import type { DiscoveryStack } from "../launch/stack.js";
import { known } from "../launch/processes.js";
import type { BenchOptions } from "../options.js";
import type { DiscoveryResult } from "../report/results.js";
import { measureContext } from "./discovery-context.js";
import { measureExecute } from "./discovery-execute.js";
import { measureSearch } from "./discovery-search.js";

export async function measureDiscovery(
  stack: DiscoveryStack,
  options: BenchOptions,
  upstreamPid: number,
  phaseDone: (phase: string) => Promise<void>,
  progress: (message: string) => void,
): Promise<DiscoveryResult> {
  progress("discovery: tools/list tokens, direct and discovery exposure…");
  const context = await measureContext({
    direct: stack.contextDirect,
    discovery: stack.contextDiscovery,
    server: stack.contextServers[0]!,
    expectedTools: stack.contextServers.length * options.aggregatedTools,
  });
  await phaseDone("disc ctx");

  const rounds = options.quick ? 2 : 3;
  progress(
    `discovery: search_tools over ${options.searchTools} tools, ${options.seconds / 2}s warm, ${rounds} rounds of agents…`,
  );
  const catalogUrl = stack.catalog.urls["catalog"]!;
  const search = await measureSearch(
    {
      gateway: stack.searchGateway,
      catalog: { url: new URL(catalogUrl), pid: stack.catalog.pid },
      expectedTools: options.searchTools,
      subAgents: stack.subAgents,
      refreshSeconds: stack.refreshSeconds,
      heapMiB: stack.searchHeapMiB,
    },
    {
      seconds: options.seconds / 2,
      perClient: options.batch,
      rounds,
      tasksPerAgent: options.quick ? 10 : 20,
      revisions: options.quick ? 1 : 3,
      nodeBuilds: options.quick ? 1 : 3,
    },
  );
  await phaseDone("search");

  progress(`discovery: execute_tool against direct tools/call, ${options.seconds}s…`);
  const execute = await measureExecute(
    {
      discovery: {
        endpoint: stack.gateway.endpoint,
        processes: known({ workerd: stack.gateway.pid, upstream: upstreamPid }),
      },
      catalog: {
        endpoint: stack.searchGateway.endpoint,
        processes: known({ workerd: stack.searchGateway.pid, upstream: stack.catalog.pid }),
      },
    },
    { perClient: options.batch, seconds: options.seconds, warmupRounds: 1 },
  );
  await phaseDone("execute");
  return { context, search, execute };
}
