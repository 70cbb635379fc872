// tools/call (echo) and tools/list against one upstream, at concurrency 1 and 16, interleaved
// across: the upstream directly, the floor Worker, the floor with a Durable Object hop, the
// gateway with 2025-era sessions and the gateway with stateless 2026-07-28 requests. One
// session per concurrent client, opened once before measuring; closed by the caller.
import type { Agent } from "node:http";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { interleave, type InterleaveOptions, type Target } from "../measure/interleave.js";
import { measuredOf, type Measured } from "../measure/stats.js";

export interface Endpoint {
  id: string;
  url: URL;
  era: "legacy" | "modern";
  /** The echo tool's name as this endpoint lists it (`echo`, or `echo__echo` through the gateway). */
  echoName: string;
  /** Processes that serve it (`workerd`, `upstream`) → PID, for CPU time per request. */
  processes: Record<string, number>;
}

export interface ScenarioResult {
  method: "tools/call" | "tools/list";
  concurrency: number;
  /** By endpoint id. */
  results: Record<string, Measured>;
}

/** Clients for one endpoint: `slots` sessions (or one stateless client), on their own socket pool. */
export interface Clients {
  endpoint: Endpoint;
  agent: Agent;
  slots: McpClient[];
}

export async function openClients(endpoint: Endpoint, slots: number): Promise<Clients> {
  const agent = keepAliveAgent(slots);
  if (endpoint.era === "modern")
    return { endpoint, agent, slots: Array(slots).fill(new ModernClient(agent, endpoint.url)) };
  const opened: McpClient[] = [];
  for (let i = 0; i < slots; i++) opened.push((await LegacySession.open(agent, endpoint.url)).session);
  return { endpoint, agent, slots: opened };
}

export async function closeClients(clients: Clients): Promise<void> {
  await Promise.allSettled(clients.slots.map((c) => c.close()));
  clients.agent.destroy();
}

export async function measureSingleUpstream(
  clients: readonly Clients[],
  method: ScenarioResult["method"],
  options: Omit<InterleaveOptions, "minRounds">,
): Promise<ScenarioResult> {
  const targets: Target[] = clients.map(({ endpoint, slots }) => ({
    id: endpoint.id,
    processes: endpoint.processes,
    run: async (slot) => {
      const params = method === "tools/call" ? { name: endpoint.echoName, arguments: { message: "hello" } } : {};
      return (await slots[slot]!.request(method, params)).ms;
    },
  }));
  const recorded = await interleave(targets, { ...options, minRounds: 3 });
  return {
    method,
    concurrency: options.concurrency,
    results: Object.fromEntries([...recorded].map(([id, r]) => [id, measuredOf(r)])),
  };
}
