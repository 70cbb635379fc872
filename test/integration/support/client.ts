// A small MCP client for the tests. It talks to the gateway Worker running in this very
// isolate (exports.default.fetch) the way a 2025-era Streamable HTTP client would, and
// hands back what a client sees: HTTP statuses, headers and JSON-RPC bodies.
import { env, exports } from "cloudflare:workers";
import { TEST_API_KEY } from "./config.js";
import { expect } from "vitest";

export const GATEWAY_ORIGIN = "http://gateway.test";
export { TEST_API_KEY } from "./config.js";
export const ACCEPT_BOTH = "application/json, text/event-stream";

export interface RpcError {
  code: number;
  message: string;
  data?: { code?: string; server?: string; [key: string]: unknown };
}

export interface RpcResponse {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: RpcError;
}

export interface Tool {
  name: string;
  description?: string;
}

/**
 * Fetches the Worker as the default test agent (see support/config.ts) unless the request
 * carries its own Authorization header; `authorization: ""` sends none at all.
 */
export function gatewayFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${TEST_API_KEY}`);
  else if (headers.get("authorization") === "") headers.delete("authorization");
  return exports.default.fetch(new Request(`${GATEWAY_ORIGIN}${path}`, { ...init, headers }));
}

/** POSTs a body (objects as JSON, strings as they are) with well-formed MCP headers. */
export function postMcp(body: unknown, headers: Record<string, string> = {}, path = "/mcp"): Promise<Response> {
  return gatewayFetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT_BOTH, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function initializeRequest(protocolVersion = "2025-06-18", id: string | number = 0) {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "integration-test", version: "1.0.0" } },
  };
}

export class GatewayClient {
  #nextId = 1;

  private constructor(
    readonly sessionId: string,
    readonly protocolVersion: string,
    readonly initializeResult: Record<string, unknown>,
  ) {}

  /** initialize, then notifications/initialized, as a well-behaved client does. */
  static async connect(protocolVersion = "2025-06-18"): Promise<GatewayClient> {
    const response = await postMcp(initializeRequest(protocolVersion));
    expect(response.status).toBe(200);
    const sessionId = response.headers.get("mcp-session-id");
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/);
    const body = await response.json<RpcResponse>();
    expect(body.error).toBeUndefined();
    const result = body.result!;
    const client = new GatewayClient(sessionId!, String(result["protocolVersion"]), result);
    const initialized = await client.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect(initialized.status).toBe(202);
    return client;
  }

  get headers(): Record<string, string> {
    return { "mcp-session-id": this.sessionId, "mcp-protocol-version": this.protocolVersion };
  }

  post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return postMcp(body, { ...this.headers, ...headers });
  }

  /** One request; the answer must be an HTTP 200 JSON body (result or JSON-RPC error). */
  async rpc(method: string, params?: Record<string, unknown>): Promise<RpcResponse> {
    const id = this.#nextId++;
    const response = await this.post({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await response.json<RpcResponse>();
    expect(body.id).toBe(id);
    return body;
  }

  /** The result of a request that must succeed. */
  async result<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T> {
    const body = await this.rpc(method, params);
    expect(body.error, `${method} failed: ${JSON.stringify(body.error)}`).toBeUndefined();
    return body.result as T;
  }

  /** The error of a request that must fail. */
  async error(method: string, params?: Record<string, unknown>): Promise<RpcError> {
    const body = await this.rpc(method, params);
    expect(body.result, `${method} was expected to fail`).toBeUndefined();
    return body.error!;
  }

  call(name: string, args: Record<string, unknown> = {}): Promise<RpcResponse> {
    return this.rpc("tools/call", { name, arguments: args });
  }

  /** The text a tool answered with; fails the test when the call failed. */
  async callText(name: string, args: Record<string, unknown> = {}): Promise<string> {
    const result = await this.result<{ content: Array<{ type: string; text: string }> }>("tools/call", {
      name,
      arguments: args,
    });
    return result.content[0]!.text;
  }

  /** Every tool, following the gateway's cursors. */
  async tools(): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.result<{ tools: Tool[]; nextCursor?: string }>(
        "tools/list",
        cursor === undefined ? undefined : { cursor },
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools;
  }

  async toolNames(): Promise<string[]> {
    return (await this.tools()).map((t) => t.name);
  }

  end(): Promise<Response> {
    return gatewayFetch("/mcp", { method: "DELETE", headers: this.headers });
  }

  /** The Durable Object that holds this session. */
  get stub() {
    return env.MCP_SESSION.get(env.MCP_SESSION.idFromName(this.sessionId));
  }
}

/** A session id of the right shape that no session has. */
export function unknownSessionId(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
