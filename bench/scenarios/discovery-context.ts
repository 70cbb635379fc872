// Context size: what a client puts in a model's context from tools/list, for the same
// catalog listed in direct exposure and in discovery exposure (two virtual servers of one
// gateway over the same upstreams), counted with a real tokenizer (gpt-tokenizer,
// o200k_base: the encoding of OpenAI's GPT-4o and later models) over JSON.stringify of the
// result's `tools`, every page. For scale, also the tokens of one search_tools answer and of
// one server's get_server_tools answer, which an agent in discovery mode pays per step.
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { keepAliveAgent } from "../client/http.js";
import { LegacySession, type McpClient } from "../client/mcp-client.js";

export const TOKEN_ENCODING = "o200k_base";

export interface ListedSize {
  tools: number;
  chars: number;
  tokens: number;
}

export interface ContextResult {
  encoding: string;
  direct: ListedSize;
  discovery: ListedSize;
  /** 1 − discovery tokens / direct tokens, in percent. */
  reductionPercent: number;
  /** The text content of one search_tools answer (limit 5, input schemas included). */
  searchAnswer: { query: string; tools: number; tokens: number };
  /** The text content of get_server_tools for one server (all its tools). */
  serverTools: { server: string; tools: number; tokens: number };
}

export interface ContextTargets {
  /** The endpoint listing the catalog directly, and the one listing it in discovery exposure. */
  direct: URL;
  discovery: URL;
  /** A server of the catalog, for get_server_tools. */
  server: string;
  expectedTools: number;
}

export async function measureContext(targets: ContextTargets): Promise<ContextResult> {
  const agent = keepAliveAgent(1);
  const sessions: McpClient[] = [];
  const open = async (url: URL) => {
    const { session } = await LegacySession.open(agent, url);
    sessions.push(session);
    return session;
  };
  try {
    const direct = size(await listAllTools(await open(targets.direct)));
    if (direct.tools !== targets.expectedTools)
      throw new Error(`the direct endpoint listed ${direct.tools} tools, not ${targets.expectedTools}`);
    const discoverySession = await open(targets.discovery);
    const discovery = size(await listAllTools(discoverySession));
    const query = "find pull requests waiting for review";
    const search = await callTool(discoverySession, "search_tools", { query, limit: 5 });
    const serverTools = await callTool(discoverySession, "get_server_tools", { server: targets.server });
    return {
      encoding: TOKEN_ENCODING,
      direct,
      discovery,
      reductionPercent: (1 - discovery.tokens / direct.tokens) * 100,
      searchAnswer: { query, tools: search.count("tools"), tokens: countTokens(search.text) },
      serverTools: { server: targets.server, tools: serverTools.count("tools"), tokens: countTokens(serverTools.text) },
    };
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
    agent.destroy();
  }
}

/** Every page of tools/list, as one array. */
async function listAllTools(client: McpClient): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const { result } = await client.request("tools/list", cursor === undefined ? {} : { cursor });
    if (!Array.isArray(result["tools"])) throw new Error("tools/list answered without tools");
    tools.push(...(result["tools"] as unknown[]));
    cursor = typeof result["nextCursor"] === "string" ? result["nextCursor"] : undefined;
    if (cursor === undefined) return tools;
  }
  throw new Error("tools/list: more than 100 pages");
}

function size(tools: unknown[]): ListedSize {
  const json = JSON.stringify(tools);
  return { tools: tools.length, chars: json.length, tokens: countTokens(json) };
}

/** A meta-tool's answer: its text content (what a client hands the model) and its structured content. */
export async function callTool(client: McpClient, name: string, args: Record<string, unknown>) {
  const { result, ms } = await client.request("tools/call", { name, arguments: args });
  if (result["isError"] === true) throw new Error(`${name}: ${JSON.stringify(result["content"]).slice(0, 500)}`);
  const content = Array.isArray(result["content"]) ? (result["content"] as Array<{ text?: unknown }>) : [];
  const text = content.map((c) => (typeof c.text === "string" ? c.text : "")).join("\n");
  const structured = (result["structuredContent"] ?? {}) as Record<string, unknown>;
  return {
    ms,
    text,
    structured,
    count: (field: string) => (Array.isArray(structured[field]) ? (structured[field] as unknown[]).length : 0),
  };
}
