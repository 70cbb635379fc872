// `npm run bench -- --profile`: CPU profiles of the gateway isolate under warm load, one
// workload at a time: tools/call echo (a 2025 session, then 2026-07-28 requests) and, for
// discovery exposure, execute_tool echo, search_tools over the large catalog, and the first
// search_tools alone (the one that builds the index). `--only calls` or `--only discovery`
// narrows them. Writes .cpuprofile files (open them in Chrome DevTools) and prints where
// samples fall. The inspector itself adds overhead, most of all to console output: read
// shares as hints, and time with the plain benchmark.
import { writeFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { builtWorker } from "../../test/e2e/worker-bundle.js";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { startGateway } from "../launch/gateway.js";
import { freePort } from "../launch/ports.js";
import type { Teardown } from "../launch/teardown.js";
import { startUpstreamProcess } from "../launch/upstream.js";
import type { BenchOptions } from "../options.js";
import { SEARCH_TASKS } from "../scenarios/search-queries.js";
import { connectProfiler } from "./inspector.js";
import { summarizeProfile, type ProfileLine } from "./summary.js";

const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));
const SAMPLING_US = 100;
const WARMUP_CALLS = 300;

interface Workload {
  /** In the file name and the printout. */
  label: string;
  inspectorPort: number;
  client: McpClient;
  /** The next request's params (tools/call). */
  params: () => Record<string, unknown>;
  /** Profile just one request, unwarmed (the first search_tools, which builds the index). */
  once?: boolean;
}

export async function profileGateway(options: BenchOptions, teardown: Teardown): Promise<void> {
  const discovery = options.only.includes("discovery");
  const upstream = await startUpstreamProcess({
    extraTools: options.extraTools,
    aggregatedUpstreams: 0,
    aggregatedTools: options.aggregatedTools,
    sse: options.upstreamSse,
    catalogTools: discovery ? options.searchTools : 0,
  });
  teardown.add("upstream process", upstream.stop);
  const worker = await builtWorker();
  const agent = keepAliveAgent(1);
  teardown.add("client sockets", () => agent.destroy());
  const workloads: Workload[] = [];
  const echoCall = { name: "echo__echo", arguments: { message: "hello" } };

  if (options.only.includes("calls")) {
    const inspectorPort = await freePort();
    const gateway = await startGateway({ servers: { echo: upstream.urls["echo"]! }, inspectorPort });
    teardown.add("gateway", gateway.stop);
    const { session } = await LegacySession.open(agent, gateway.endpoint);
    teardown.add("session", () => session.close());
    workloads.push(
      { label: "tools-call-2025-session", inspectorPort, client: session, params: () => echoCall },
      {
        label: "tools-call-2026-07-28",
        inspectorPort,
        client: new ModernClient(agent, gateway.endpoint),
        params: () => echoCall,
      },
    );
  }
  if (discovery) {
    const inspectorPort = await freePort();
    const gateway = await startGateway({
      servers: { echo: upstream.urls["echo"]!, catalog: { url: upstream.urls["catalog"]!, sharedLists: true } },
      settings: { exposure: "discovery", catalogTtlSeconds: 3600 },
      inspectorPort,
    });
    teardown.add("discovery gateway", gateway.stop);
    const { session } = await LegacySession.open(agent, gateway.endpoint);
    teardown.add("discovery session", () => session.close());
    // The catalog cached and its views built: the first search then builds only the index.
    await session.request("tools/call", { name: "list_servers", arguments: {} });
    let task = 0;
    const search = () => ({
      name: "search_tools",
      arguments: { query: SEARCH_TASKS[task++ % SEARCH_TASKS.length]!, limit: 5 },
    });
    workloads.push(
      { label: "search-tools-first", inspectorPort, client: session, params: search, once: true },
      { label: "search-tools-2025-session", inspectorPort, client: session, params: search },
      {
        label: "execute-tool-2025-session",
        inspectorPort,
        client: session,
        params: () => ({
          name: "execute_tool",
          arguments: { server: "echo", tool: "echo", args: { message: "hello" } },
        }),
      },
      {
        label: "execute-tool-2026-07-28",
        inspectorPort,
        client: new ModernClient(agent, gateway.endpoint),
        params: () => ({
          name: "execute_tool",
          arguments: { server: "echo", tool: "echo", args: { message: "hello" } },
        }),
      },
      {
        label: "discovery-tools-call-2026-07-28",
        inspectorPort,
        client: new ModernClient(agent, gateway.endpoint),
        params: () => echoCall,
      },
    );
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const workload of workloads) {
    const call = () => workload.client.request("tools/call", workload.params());
    if (!workload.once) for (let i = 0; i < WARMUP_CALLS; i++) await call();
    const profiler = await connectProfiler(workload.inspectorPort, `core:user:${worker.name}`);
    await profiler.start(SAMPLING_US);
    let calls = 0;
    const until = performance.now() + options.seconds * 1000;
    do {
      await call();
      calls++;
    } while (!workload.once && performance.now() < until);
    const profile = await profiler.stop();
    profiler.close();
    const file = `${RESULTS_DIR}${stamp}-gateway-${workload.label}.cpuprofile`;
    await writeFile(file, JSON.stringify(profile));
    const summary = summarizeProfile(profile, worker.sourceMap, "index.js");
    process.stdout.write(
      `\ngateway isolate, ${workload.label}: ${calls} calls${workload.once ? "" : ` in ${options.seconds}s`}, ` +
        `${(summary.busyMs / calls).toFixed(3)} ms busy (sampled) per call\n` +
        `${lines("self time", summary.bySelf)}\n${lines("charged to the nearest frame in src/", summary.bySourceFrame)}\n` +
        `profile: ${file}\n`,
    );
  }
}

function lines(title: string, ranked: readonly ProfileLine[]): string {
  return [`  ${title}:`, ...ranked.map((l) => `  ${l.percent.toFixed(1).padStart(5)}%  ${l.where}`)].join("\n");
}
