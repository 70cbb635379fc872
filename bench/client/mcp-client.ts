// A minimal MCP client speaking raw JSON-RPC over http.ts, for timing: a 2025-era session
// (initialize, notifications/initialized, then Mcp-Session-Id and MCP-Protocol-Version on
// every request) and a stateless 2026-07-28 client (the `_meta` envelope and the
// MCP-Protocol-Version / Mcp-Method / Mcp-Name headers on every request, no session).
// Answers may be JSON or an event stream. Every answer is checked; a JSON-RPC error throws.
import type { Agent } from "node:http";
import { send, type HttpAnswer } from "./http.js";

export const LEGACY_VERSION = "2025-11-25";
export const MODERN_VERSION = "2026-07-28";
const CLIENT_INFO = { name: "mcp-gateway-bench", version: "1.0.0" };
const BASE_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export interface Answer {
  /** Client-observed time of the HTTP exchange, in milliseconds. */
  ms: number;
  result: Record<string, unknown>;
}

/** Anything that answers MCP requests: a session, or a stateless client. */
export interface McpClient {
  request(method: string, params?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

let ids = 0;

export class LegacySession implements McpClient {
  private constructor(
    private readonly agent: Agent,
    private readonly url: URL,
    readonly sessionId: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** initialize + notifications/initialized; `ms` covers both exchanges. */
  static async open(agent: Agent, url: URL): Promise<{ session: LegacySession; ms: number }> {
    const id = ++ids;
    const init = await send(
      agent,
      url,
      "POST",
      BASE_HEADERS,
      JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "initialize",
        params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
      }),
    );
    const result = resultOf(init, id, "initialize");
    if (init.sessionId === undefined) throw new Error(`initialize at ${url.href} gave no Mcp-Session-Id`);
    const version = typeof result["protocolVersion"] === "string" ? result["protocolVersion"] : LEGACY_VERSION;
    const headers = { ...BASE_HEADERS, "mcp-session-id": init.sessionId, "mcp-protocol-version": version };
    const initialized = await send(
      agent,
      url,
      "POST",
      headers,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    );
    if (initialized.status !== 202 && initialized.status !== 200)
      throw new Error(`notifications/initialized at ${url.href}: HTTP ${initialized.status} ${initialized.body}`);
    return { session: new LegacySession(agent, url, init.sessionId, headers), ms: init.ms + initialized.ms };
  }

  async request(method: string, params?: Record<string, unknown>): Promise<Answer> {
    const id = ++ids;
    const answer = await send(this.agent, this.url, "POST", this.headers, JSON.stringify(rpc(id, method, params)));
    return { ms: answer.ms, result: resultOf(answer, id, method) };
  }

  async close(): Promise<void> {
    await send(this.agent, this.url, "DELETE", this.headers);
  }
}

export class ModernClient implements McpClient {
  constructor(
    private readonly agent: Agent,
    private readonly url: URL,
  ) {}

  async request(method: string, params: Record<string, unknown> = {}): Promise<Answer> {
    const id = ++ids;
    const body = rpc(id, method, {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
        "io.modelcontextprotocol/clientCapabilities": {},
      },
    });
    const name = typeof params["name"] === "string" ? params["name"] : undefined;
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      "mcp-protocol-version": MODERN_VERSION,
      "mcp-method": method,
      // Only tools/call and prompts/get (by name) and resources/read (by uri) carry Mcp-Name.
      ...(name !== undefined && (method === "tools/call" || method === "prompts/get") ? { "mcp-name": name } : {}),
    };
    const answer = await send(this.agent, this.url, "POST", headers, JSON.stringify(body));
    return { ms: answer.ms, result: resultOf(answer, id, method) };
  }

  async close(): Promise<void> {
    // Nothing to end: the client has no session.
  }
}

function rpc(id: number, method: string, params: Record<string, unknown> | undefined) {
  return { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) };
}

interface RpcMessage {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The result of request `id` in a JSON or event-stream answer; throws on anything else. */
function resultOf(answer: HttpAnswer, id: number, method: string): Record<string, unknown> {
  if (answer.status !== 200) throw new Error(`${method}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
  const messages: RpcMessage[] = answer.contentType.startsWith("text/event-stream")
    ? eventData(answer.body).map((data) => JSON.parse(data) as RpcMessage)
    : [JSON.parse(answer.body) as RpcMessage].flat();
  const reply = messages.find((m) => m.id === id);
  if (!reply) throw new Error(`${method}: no answer to request ${id} in ${answer.body.slice(0, 500)}`);
  if (reply.error) throw new Error(`${method}: JSON-RPC error ${reply.error.code} ${reply.error.message}`);
  if (!reply.result) throw new Error(`${method}: an answer with neither result nor error`);
  return reply.result;
}

/** The `data` of each event in an event stream (multi-line data joined by newlines). */
function eventData(stream: string): string[] {
  const events: string[] = [];
  for (const block of stream.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
    if (data.length > 0 && data.join("").trim() !== "") events.push(data.join("\n"));
  }
  return events;
}
