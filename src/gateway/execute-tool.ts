// The execute_tool meta-tool: calls a tool named by its server and its name within that
// server exactly as a direct tools/call would: the same view and policy (a hidden tool is
// refused with the rule that hides it), the same rate limits, placement, progress,
// cancellation, questions in both eras and audit line (marked `via: execute_tool`); the
// result comes back as the tool gave it (executed-result.ts).
import { errors } from "../mcp/errors.js";
import { asRecord } from "../mcp/jsonrpc.js";
import { GATEWAY_META } from "../mcp/gateway-info.js";
import { countRequest, type Answer, type Call, type Params } from "./call.js";
import { presentExecuted } from "./executed-result.js";
import { visibleToolNamed, type VisibleTool } from "./exposed-tools.js";
import { forward } from "./forward.js";
import type { MetaToolInput } from "./meta-tools.js";
import { guard, listsWith, upstreamNamed } from "./targets.js";
import { namedView } from "./views.js";
import type { ServerItems } from "./catalog.js";

export async function executeTool(call: Call, args: MetaToolInput<"execute_tool">, outer: Params): Promise<Answer> {
  const { ctx } = call;
  const upstream = await countingFailures(call, () => upstreamNamed(args.server, ctx));
  const lists = await countingFailures(call, () => listsWith("tools", upstream, ctx));
  if (lists.kind === "handed-over") return lists;
  const tool = await countingFailures(call, () => findTool(lists.target, call, args.server, args.tool));
  await countRequest(call, { server: args.server, name: tool.original });
  const sent = await forward(call, "tools/call", upstream, innerParams(tool, args, outer), {
    kind: "tools",
    name: tool.original,
    via: { tool: "execute_tool", server: args.server, name: args.tool },
  });
  return presentExecuted(sent, args.server, args.tool);
}

/** A call that names no callable tool still counts against the agent's request limit. */
async function countingFailures<T>(call: Call, find: () => T | Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (error) {
    await countRequest(call);
    throw error;
  }
}

/** The tool by its name within the server (or, leniently, its merged name); hidden ones refused as such. */
function findTool(lists: ServerItems[], call: Call, server: string, name: string): VisibleTool {
  const found = visibleToolNamed(lists, call.ctx, server, name);
  if (found) return found;
  const hidden = namedView("tools", lists, call.ctx.snapshot).names.entries.find(
    (entry) => entry.server === server && entry.original === name,
  );
  if (hidden) guard("tools", server, hidden.original, call.ctx);
  const withheld = lists.find((list) => list.server === server)?.withheld?.get(name);
  if (withheld !== undefined) {
    guard("tools", server, name, call.ctx);
    throw errors.toolQuarantined(server, name, withheld);
  }
  throw errors.toolNotOnServer(server, name);
}

/** The direct call execute_tool stands for: the tool's arguments, and the request's own `_meta` and retry fields. */
function innerParams(tool: VisibleTool, args: MetaToolInput<"execute_tool">, outer: Params): Params {
  const meta = {
    ...asRecord(outer["_meta"]),
    ...(args.timeout_ms !== undefined ? { [GATEWAY_META.timeoutMs]: args.timeout_ms } : {}),
  };
  return {
    name: tool.original,
    arguments: args.args ?? {},
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
    ...(outer["requestState"] !== undefined ? { requestState: outer["requestState"] } : {}),
    ...(outer["inputResponses"] !== undefined ? { inputResponses: outer["inputResponses"] } : {}),
  };
}
