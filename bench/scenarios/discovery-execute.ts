// execute_tool's overhead: an upstream's `echo` called through a gateway in discovery
// exposure, directly by its merged name (tools/call <server>__echo: a tool that is not
// listed can still be called) and through the execute_tool meta-tool (server, tool "echo"),
// interleaved, each pair on the same endpoint:
//   - the discovery gateway (echo and the context upstreams, 521 tools), both eras: a 2025
//     session per target, and stateless 2026-07-28 requests;
//   - the search gateway (the large catalog, which lists `echo` too), a 2025 session: does
//     execute_tool's cost grow with the catalog?
// Concurrency 1.
import type { Agent } from "node:http";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, ModernClient, type McpClient } from "../client/mcp-client.js";
import { interleave, type InterleaveOptions } from "../measure/interleave.js";
import { measuredOf, type Measured } from "../measure/stats.js";

export const EXECUTE_TARGETS = {
  directLegacy: "tools/call echo__echo, 2025 session",
  executeLegacy: "execute_tool echo/echo, 2025 session",
  directModern: "tools/call echo__echo, 2026-07-28",
  executeModern: "execute_tool echo/echo, 2026-07-28",
  directCatalog: "large catalog: tools/call catalog__echo, 2025 session",
  executeCatalog: "large catalog: execute_tool catalog/echo, 2025 session",
} as const;
export type ExecuteTarget = keyof typeof EXECUTE_TARGETS;

/** Each execute_tool target, and the direct call it is compared with. */
export const EXECUTE_PAIRS: ReadonlyArray<readonly [ExecuteTarget, ExecuteTarget]> = [
  ["executeLegacy", "directLegacy"],
  ["executeModern", "directModern"],
  ["executeCatalog", "directCatalog"],
];

export interface ExecuteGateway {
  endpoint: URL;
  /** Processes whose CPU is charged to its targets: the gateway's workerd, the upstream's. */
  processes: Record<string, number>;
}

export interface ExecuteTargets {
  /** The discovery gateway, whose `echo` server is the echo upstream. */
  discovery: ExecuteGateway;
  /** The search gateway, whose `catalog` server lists `echo` among its tools. */
  catalog: ExecuteGateway;
}

const MESSAGE = "hello";
const direct = (server: string) => ({ name: `${server}__echo`, arguments: { message: MESSAGE } });
const execute = (server: string) => ({
  name: "execute_tool",
  arguments: { server, tool: "echo", args: { message: MESSAGE } },
});

export async function measureExecute(
  targets: ExecuteTargets,
  options: Omit<InterleaveOptions, "minRounds" | "concurrency">,
): Promise<Record<ExecuteTarget, Measured>> {
  const agents: Agent[] = [];
  const pool = () => {
    const agent = keepAliveAgent(1);
    agents.push(agent);
    return agent;
  };
  const legacy = async (gateway: ExecuteGateway) => (await LegacySession.open(pool(), gateway.endpoint)).session;
  const { discovery, catalog } = targets;
  const clients: Array<[ExecuteTarget, McpClient, Record<string, unknown>, ExecuteGateway]> = [];
  try {
    clients.push(
      ["directLegacy", await legacy(discovery), direct("echo"), discovery],
      ["executeLegacy", await legacy(discovery), execute("echo"), discovery],
      ["directModern", new ModernClient(pool(), discovery.endpoint), direct("echo"), discovery],
      ["executeModern", new ModernClient(pool(), discovery.endpoint), execute("echo"), discovery],
      ["directCatalog", await legacy(catalog), direct("catalog"), catalog],
      ["executeCatalog", await legacy(catalog), execute("catalog"), catalog],
    );
    // Each way must really reach the tool: the echo comes back.
    for (const [id, client, params] of clients) {
      const { result } = await client.request("tools/call", params);
      const content = result["content"] as Array<{ text?: unknown }> | undefined;
      if (result["isError"] === true || content?.[0]?.text !== MESSAGE)
        throw new Error(`${EXECUTE_TARGETS[id]}: unexpected answer ${JSON.stringify(result).slice(0, 300)}`);
    }
    const recorded = await interleave(
      clients.map(([id, client, params, gateway]) => ({
        id,
        processes: gateway.processes,
        run: async () => {
          const { result, ms } = await client.request("tools/call", params);
          if (result["isError"] === true) throw new Error(`${id}: the tool answered with an error`);
          return ms;
        },
      })),
      { ...options, concurrency: 1, minRounds: 3 },
    );
    return Object.fromEntries([...recorded].map(([id, r]) => [id, measuredOf(r)])) as Record<ExecuteTarget, Measured>;
  } finally {
    await Promise.allSettled(clients.map(([, client]) => client.close()));
    for (const agent of agents) agent.destroy();
  }
}
