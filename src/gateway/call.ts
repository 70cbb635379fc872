// One client request on its way through the pipeline: the request, the invocation's
// context, its own way back to the client, and whether it has been counted against the
// rate limits (here, or by the Worker that handed it over). Also what a stage answers:
// a result, the JSON-RPC response as the upstream gave it, or the request handed over.
// Requests answered without the router (initialize, a sessionless ping,
// subscriptions/listen) are counted here too, the same way (countUnrouted).
import { GatewayError } from "../mcp/errors.js";
import type { JsonRpcRequest, JsonRpcResponse } from "../mcp/jsonrpc.js";
import { log } from "../observe/log.js";
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

/** What counting needs: the configuration in force, who asks, and the gate to their counters. */
export type Counting = Pick<CallContext, "snapshot" | "identity" | "rateGate">;

/**
 * Counts a request the router never sees against the agent's request limit, as the router
 * counts every other; over the limit it throws the same RATE_LIMITED error, about this request.
 */
export async function countUnrouted(request: JsonRpcRequest, counting: Counting): Promise<void> {
  try {
    await counting.rateGate(requestBuckets(counting.snapshot, counting.identity));
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    noteRefusal(request.method, error);
    throw error.about(request.id);
  }
}

/** The log line of a request refused for its rate limit, wherever it was counted. */
export function noteRefusal(method: string, error: GatewayError): void {
  if (error.code === "RATE_LIMITED") log("warn", "request.rate_limited", { method, ...error.details });
}
