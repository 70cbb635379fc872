// What guards cost on the call path: the `pii` upstream's `customer_report` (about 10 KB of
// text a call: dense, 180 values to mask, or sparse, 20) called through one gateway as
// `plain__customer_report` (no guard) and `guarded__customer_report` (every personal-data
// detector, masking, on both sides), interleaved on one 2025 session each, concurrency 1. Every call asks for other records,
// so no remembered verdict makes a later call cheaper. The extra workerd CPU per call is
// the guard's cost.
import type { Agent } from "node:http";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, type McpClient } from "../client/mcp-client.js";
import { interleave, type InterleaveOptions } from "../measure/interleave.js";
import { measuredOf, type Measured } from "../measure/stats.js";

export const GUARD_TARGETS = {
  plain: "dense report (180 values), no guard",
  guarded: "dense report (180 values), PII guard on both sides",
  plainSparse: "sparse report (20 values), no guard",
  guardedSparse: "sparse report (20 values), PII guard on both sides",
} as const;
export type GuardTarget = keyof typeof GUARD_TARGETS;

export interface GuardsResult {
  /** Characters of text in one report. */
  resultChars: number;
  /** Masked values in one guarded report. */
  masked: number;
  measured: Record<GuardTarget, Measured>;
}

export async function measureGuards(
  gateway: { endpoint: URL; processes: Record<string, number> },
  options: Omit<InterleaveOptions, "minRounds" | "concurrency">,
): Promise<GuardsResult> {
  const agents: Agent[] = [];
  const open = async () => {
    const agent = keepAliveAgent(1);
    agents.push(agent);
    return (await LegacySession.open(agent, gateway.endpoint)).session;
  };
  const clients: Array<[GuardTarget, McpClient]> = [];
  let seed = 0;
  const report = async (client: McpClient, id: GuardTarget) => {
    const server = id.startsWith("guarded") ? "guarded" : "plain";
    const sparse = id.endsWith("Sparse");
    const answer = await client.request("tools/call", {
      name: `${server}__customer_report`,
      arguments: { seed: ++seed, sparse },
    });
    const text = (answer.result["content"] as Array<{ text?: string }> | undefined)?.[0]?.text;
    if (typeof text !== "string")
      throw new Error(`${id}: unexpected answer ${JSON.stringify(answer.result).slice(0, 300)}`);
    return { text, ms: answer.ms };
  };
  try {
    for (const id of Object.keys(GUARD_TARGETS) as GuardTarget[]) clients.push([id, await open()]);
    const plain = await report(clients[0]![1], "plain");
    const guarded = await report(clients[1]![1], "guarded");
    const masked = guarded.text.match(/<(?:EMAIL|PHONE|CREDIT_CARD|IBAN|IP)>/g)?.length ?? 0;
    if (!plain.text.includes("@example.com") || guarded.text.includes("@example.com") || masked === 0)
      throw new Error("the guard did not mask the report, or the plain call was masked");
    const recorded = await interleave(
      clients.map(([id, client]) => ({
        id,
        processes: gateway.processes,
        run: async () => (await report(client, id)).ms,
      })),
      { ...options, concurrency: 1, minRounds: 3 },
    );
    const measured = Object.fromEntries(
      [...recorded].map(([id, r]) => [id, measuredOf(r)]),
    ) as GuardsResult["measured"];
    return { resultChars: plain.text.length, masked, measured };
  } finally {
    await Promise.allSettled(clients.map(([, client]) => client.close()));
    for (const agent of agents) agent.destroy();
  }
}
