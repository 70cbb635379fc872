// `npm run bench -- --profile`: a CPU profile of the gateway isolate under warm tools/call load
// (a 2025 session, then 2026-07-28 requests), one at a time. Writes .cpuprofile files (open them
// in Chrome DevTools) and prints where samples fall. The inspector itself adds overhead, most
// of all to console output: read shares as hints, and time with the plain benchmark.
import { writeFile, mkdir } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { builtWorker } from "../../test/e2e/worker-bundle.js";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { startGateway } from "../launch/gateway.js";
import type { Teardown } from "../launch/teardown.js";
import { startUpstreamProcess } from "../launch/upstream.js";
import type { BenchOptions } from "../options.js";
import { connectProfiler } from "./inspector.js";
import { summarizeProfile, type ProfileLine } from "./summary.js";

const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));
const SAMPLING_US = 100;

export async function profileGateway(options: BenchOptions, teardown: Teardown): Promise<void> {
  const upstream = await startUpstreamProcess({
    extraTools: options.extraTools,
    aggregatedUpstreams: 0,
    aggregatedTools: options.aggregatedTools,
    sse: options.upstreamSse,
  });
  teardown.add("upstream process", upstream.stop);
  const inspectorPort = await freePort();
  const gateway = await startGateway({ servers: { echo: upstream.urls["echo"]! }, inspectorPort });
  teardown.add("gateway", gateway.stop);
  const worker = await builtWorker();
  const agent = keepAliveAgent(1);
  teardown.add("client sockets", () => agent.destroy());
  const { session } = await LegacySession.open(agent, gateway.endpoint);
  teardown.add("session", () => session.close());
  const clients: Array<[string, McpClient]> = [
    ["2025-session", session],
    ["2026-07-28", new ModernClient(agent, gateway.endpoint)],
  ];
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const [era, client] of clients) {
    const call = () => client.request("tools/call", { name: "echo__echo", arguments: { message: "hello" } });
    for (let i = 0; i < 300; i++) await call();
    const profiler = await connectProfiler(inspectorPort, `core:user:${worker.name}`);
    await profiler.start(SAMPLING_US);
    let calls = 0;
    const until = performance.now() + options.seconds * 1000;
    while (performance.now() < until) {
      await call();
      calls++;
    }
    const profile = await profiler.stop();
    profiler.close();
    const file = `${RESULTS_DIR}${stamp}-gateway-tools-call-${era}.cpuprofile`;
    await writeFile(file, JSON.stringify(profile));
    const summary = summarizeProfile(profile, worker.sourceMap, "index.js");
    process.stdout.write(
      `\ngateway isolate, tools/call over ${era}: ${calls} calls in ${options.seconds}s, ` +
        `${(summary.busyMs / calls).toFixed(3)} ms busy (sampled) per call\n` +
        `${lines("self time", summary.bySelf)}\n${lines("charged to the nearest frame in src/", summary.bySourceFrame)}\n` +
        `profile: ${file}\n`,
    );
  }
}

function lines(title: string, ranked: readonly ProfileLine[]): string {
  return [`  ${title}:`, ...ranked.map((l) => `  ${l.percent.toFixed(1).padStart(5)}%  ${l.where}`)].join("\n");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
