// One client request on its way through the pipeline: the request, the invocation's
// context, its own way back to the client, and whether it has been counted against the
// rate limits (here, or by the Worker that handed it over). Also what a stage answers:
// a result, the JSON-RPC response as the upstream gave it, or the request handed over.
import type { JsonRpcRequest, JsonRpcResponse } from "../mcp/jsonrpc.js";
import { requestBuckets, toolBuckets } from "../ratelimit/rate-limits.js";
import type { ClientChannel } from "./client-channel.js";
import type { CallContext } from "./context.js";
import type { HandOver } from "./upstreams.js";

export type Params = Record<string, unknown>;

export interface Call {
  readonly request: JsonRpcRequest;
  readonly ctx: CallContext;
  readonly channel: ClientChannel;
  counted: boolean;
}

export type Answer =
  | { kind: "result"; result: Params }
  | { kind: "answered"; response: JsonRpcResponse }
  | { kind: "handed-over"; handOver: HandOver };

export const result = (value: Params): Answer => ({ kind: "result", result: value });

/**
 * Counts the request against the agent's limits (once), and a tool call against the
 * tool's own too; throws RATE_LIMITED when one is full.
 */
export async function countRequest(call: Call, tool?: { server: string; name: string }): Promise<void> {
  if (call.counted) return;
  const { snapshot, identity, rateGate } = call.ctx;
  const buckets = requestBuckets(snapshot, identity);
  if (tool) buckets.push(...toolBuckets(snapshot, identity, tool.server, tool.name));
  call.counted = true;
  await rateGate(buckets);
}
