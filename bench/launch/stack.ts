// Starts everything the benchmark measures, each registered with the teardown as soon as it
// runs: the upstream process, the gateway (echo upstream), the floor Worker, and two
// aggregating gateways over the agg-* upstreams (catalog cached, and catalogTtlSeconds 0).
import type { BenchOptions } from "../options.js";
import { startFloor, type Floor } from "./floor.js";
import { startGateway, type Gateway } from "./gateway.js";
import type { ProcessInfo } from "../report/results.js";
import type { Teardown } from "./teardown.js";
import { startUpstreamProcess, type UpstreamProcess } from "./upstream.js";

export interface Stack {
  upstream: UpstreamProcess;
  /** `agg-<i>` → URL. */
  aggregated: Record<string, string>;
  gateway: Gateway;
  floor: Floor;
  aggGateway: Gateway;
  coldGateway: Gateway;
  /** The measured processes, by key, for memory and log counts. */
  processes: Record<string, ProcessInfo>;
}

export async function startStack(options: BenchOptions, teardown: Teardown): Promise<Stack> {
  const upstream = await startUpstreamProcess({
    extraTools: options.extraTools,
    aggregatedUpstreams: options.aggregatedUpstreams,
    aggregatedTools: options.aggregatedTools,
    sse: options.upstreamSse,
  });
  teardown.add("upstream process", upstream.stop);
  const aggregated = Object.fromEntries(Object.entries(upstream.urls).filter(([name]) => name.startsWith("agg-")));

  const gateway = await startGateway({ servers: { echo: upstream.urls["echo"]! } });
  teardown.add("gateway", gateway.stop);
  const floor = await startFloor(upstream.urls);
  teardown.add("floor", floor.stop);
  // One page carries the whole merged catalog, so warm and cold are one request each, like the direct side.
  const aggSettings = { pageSize: options.aggregatedUpstreams * options.aggregatedTools };
  const aggGateway = await startGateway({ servers: aggregated, settings: aggSettings });
  teardown.add("aggregating gateway", aggGateway.stop);
  const coldGateway = await startGateway({ servers: aggregated, settings: { ...aggSettings, catalogTtlSeconds: 0 } });
  teardown.add("cold aggregating gateway", coldGateway.stop);

  const n = options.aggregatedUpstreams;
  const processes: Record<string, ProcessInfo> = {
    gateway: { role: "workerd: gateway (echo)", pid: gateway.pid, memory: [] },
    floor: { role: "workerd: floor Worker + DO", pid: floor.pid, memory: [] },
    aggGateway: { role: `workerd: gateway (${n} upstreams, cached)`, pid: aggGateway.pid, memory: [] },
    coldGateway: { role: `workerd: gateway (${n} upstreams, ttl 0)`, pid: coldGateway.pid, memory: [] },
    upstream: { role: "node: all upstreams", pid: upstream.pid, memory: [] },
  };
  return { upstream, aggregated, gateway, floor, aggGateway, coldGateway, processes };
}

/** How many lines each workerd's Workers logged so far. */
export function countLogs(stack: Stack): void {
  for (const key of ["gateway", "floor", "aggGateway", "coldGateway"] as const)
    stack.processes[key]!.logLines = stack[key].logs.count;
}
