// The meta-tools of discovery and hybrid exposure: list_servers, get_server_tools and
// search_tools answer from the same lists and the same per-principal view as tools/list
// (so none of them names or counts anything the caller could not see in direct mode);
// execute_tool is execute-tool.ts's. Each may narrow to a sub-agent first (`agent_id`), as
// the X-MCP-Agent header does, counts as a request, and is audited as a filtered view.
import picomatch from "picomatch";
import { z } from "zod";
import { errors } from "../mcp/errors.js";
import { audit } from "../observe/audit.js";
import { knownEra } from "../upstream/era.js";
import { breakerState } from "../upstream/breaker.js";
import { countRequest, result, type Answer, type Call, type Params } from "./call.js";
import type { Collected, ServerItems } from "./catalog.js";
import { narrowedContext } from "./context.js";
import { narrowTo } from "./delegation.js";
import { executeTool } from "./execute-tool.js";
import { visibleTools, type VisibleTool } from "./exposed-tools.js";
import { META_TOOL_SCHEMAS, type MetaToolInput, type MetaToolName } from "./meta-tools.js";
import { auditLine } from "./record.js";
import { searchVisibleTools } from "./search-view.js";
import { withinBudget } from "./token-budget.js";
import { collectFor, listsWith, upstreamNamed } from "./targets.js";
import type { Upstream } from "./upstreams.js";

export async function runMetaTool(name: MetaToolName, call: Call, params: Params): Promise<Answer> {
  const parsed = META_TOOL_SCHEMAS[name].input.safeParse(params["arguments"] ?? {});
  if (!parsed.success) {
    await countRequest(call);
    throw errors.invalidParams(`${name}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}`);
  }
  const narrowed = asSubAgent(call, parsed.data.agent_id);
  if (name === "execute_tool") return executeTool(narrowed, parsed.data as MetaToolInput<"execute_tool">, params);
  await countRequest(narrowed);
  const answer =
    name === "list_servers"
      ? await listServers(narrowed, parsed.data as MetaToolInput<"list_servers">)
      : name === "get_server_tools"
        ? await getServerTools(narrowed, parsed.data as MetaToolInput<"get_server_tools">)
        : await searchTools(narrowed, parsed.data as MetaToolInput<"search_tools">);
  if (answer.kind !== "shown") return answer;
  const line = { kind: "decision" as const, method: "tools/call", name, decision: "filtered" as const };
  audit(auditLine(narrowed.ctx, { ...line, shown: answer.shown, total: answer.total }));
  return result({ content: [{ type: "text", text: JSON.stringify(answer.body) }], structuredContent: answer.body });
}

type Shown =
  { kind: "shown"; body: Record<string, unknown>; shown: number; total: number } | Exclude<Answer, { kind: "result" }>;

/** The same call as the sub-agent `agent_id` names (a refusal is the header's refusal). */
function asSubAgent(call: Call, agentId: string | undefined): Call {
  if (agentId === undefined) return call;
  const narrowed = narrowTo(call.ctx.snapshot, call.ctx.identity, agentId);
  if (!narrowed.ok) throw narrowed.error;
  return { ...call, ctx: narrowedContext(call.ctx, narrowed.identity) };
}

async function listServers(call: Call, args: MetaToolInput<"list_servers">): Promise<Shown> {
  const { ctx } = call;
  const collected = await collectFor("tools", ctx);
  if (collected.handOver) return { kind: "handed-over", handOver: collected.handOver };
  const counts = new Map<string, number>();
  for (const tool of visibleTools(collected.lists, ctx)) counts.set(tool.server, (counts.get(tool.server) ?? 0) + 1);
  const servers = ctx.upstreams.map((upstream) => {
    const listed = collected.lists.some((list) => list.server === upstream.server.name);
    return {
      name: upstream.server.name,
      description: upstream.server.registration.description,
      tools: listed ? (counts.get(upstream.server.name) ?? 0) : null,
      ...(args.include_metadata ? metadataOf(upstream, listed, collected) : {}),
    };
  });
  return { kind: "shown", body: { servers }, shown: servers.length, total: servers.length };
}

/** What this isolate knows of an upstream: its era and whether it is answering. */
function metadataOf(upstream: Upstream, listed: boolean, collected: Collected) {
  const { server } = upstream;
  const breaker = breakerState(server.name, server.registration.url, server.breaker);
  const failed = collected.failures.some((failure) => failure.server === server.name);
  const health = breaker === "open" || failed ? "failing" : listed ? "ok" : "unknown";
  return { era: knownEra(server) ?? "unknown", health, breakerOpen: breaker === "open" };
}

async function getServerTools(call: Call, args: MetaToolInput<"get_server_tools">): Promise<Shown> {
  const { ctx } = call;
  const upstream = upstreamNamed(args.server, ctx);
  const lists = await listsWith("tools", upstream, ctx);
  if (lists.kind === "handed-over") return lists;
  const tools = serverTools(lists.target, call, args);
  const definitions = tools.map((tool) => ({ ...tool.item, name: tool.nameInServer }));
  const within = withinBudget(definitions, args.max_schema_tokens);
  const omitted = definitions.length - within.length;
  const body = {
    server: args.server,
    tools: within,
    total: definitions.length,
    returned: within.length,
    ...(omitted > 0 ? { omitted } : {}),
  };
  return { kind: "shown", body, shown: within.length, total: definitions.length };
}

/** The server's visible tools, narrowed to the names or the glob asked for. */
function serverTools(lists: ServerItems[], call: Call, args: MetaToolInput<"get_server_tools">): VisibleTool[] {
  const names = typeof args.names === "string" ? args.names.split(",") : args.names;
  const wanted = names ? new Set(names.map((n) => n.trim()).filter((n) => n !== "")) : undefined;
  const matches = args.pattern === undefined ? undefined : picomatch(args.pattern, { dot: true });
  return visibleTools(lists, call.ctx).filter(
    (tool) =>
      tool.server === args.server &&
      (!wanted || wanted.has(tool.nameInServer)) &&
      (!matches || matches(tool.nameInServer)),
  );
}

async function searchTools(call: Call, args: MetaToolInput<"search_tools">): Promise<Shown> {
  const { ctx } = call;
  if (args.server !== undefined) upstreamNamed(args.server, ctx);
  const collected = await collectFor("tools", ctx);
  if (collected.handOver) return { kind: "handed-over", handOver: collected.handOver };
  const found = searchVisibleTools(collected.lists, ctx, args.query, { limit: args.limit ?? 5, server: args.server });
  const tools = found.hits.map(({ tool, score }) => ({
    server: tool.server,
    name: tool.nameInServer,
    ...(typeof tool.item["title"] === "string" ? { title: tool.item["title"] } : {}),
    description: typeof tool.item["description"] === "string" ? tool.item["description"] : "",
    score,
    ...(tool.item["inputSchema"] !== undefined ? { inputSchema: tool.item["inputSchema"] } : {}),
  }));
  return { kind: "shown", body: { tools, total: found.total }, shown: tools.length, total: found.total };
}
