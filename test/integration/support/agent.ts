// A client session that speaks as a chosen agent: its own API key (or none), an optional
// X-MCP-Agent narrowing, and an endpoint (/mcp or /mcp/<virtual server>). It hands back
// what a client sees, like GatewayClient, and can replay its session id under other
// credentials to show that a session belongs to whoever opened it.
import { expect } from "vitest";
import { gatewayFetch, initializeRequest, postMcp, type RpcError, type RpcResponse } from "./client.js";

export interface Credentials {
  /** Sent as `Authorization: Bearer <key>`; null sends no Authorization header. Default: the test key. */
  key?: string | null;
  /** Sent as X-MCP-Agent. */
  subAgent?: string;
  /** "/mcp" (the default) or "/mcp/<virtual server>". */
  path?: string;
}

export interface AgentOptions extends Credentials {
  protocolVersion?: string;
}

export type NamedKind = "tools" | "prompts";
export type UriKind = "resources" | "resourceTemplates";

/** The request headers that say who is asking. */
export function credentialHeaders(credentials: Credentials): Record<string, string> {
  const headers: Record<string, string> = {};
  if (credentials.key === null) headers["authorization"] = "";
  else if (credentials.key !== undefined) headers["authorization"] = `Bearer ${credentials.key}`;
  if (credentials.subAgent !== undefined) headers["x-mcp-agent"] = credentials.subAgent;
  return headers;
}

/** Sends initialize as these credentials and returns the raw answer (for refusals). */
export function initializeAs(credentials: AgentOptions): Promise<Response> {
  return postMcp(
    initializeRequest(credentials.protocolVersion ?? "2025-06-18"),
    credentialHeaders(credentials),
    credentials.path ?? "/mcp",
  );
}

export class AgentSession {
  #nextId = 1;

  private constructor(
    readonly sessionId: string,
    readonly protocolVersion: string,
    readonly credentials: Credentials,
  ) {}

  /** initialize, then notifications/initialized, as these credentials. */
  static async open(options: AgentOptions = {}): Promise<AgentSession> {
    const response = await initializeAs(options);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const body = JSON.parse(text) as RpcResponse;
    expect(body.error).toBeUndefined();
    const sessionId = response.headers.get("mcp-session-id")!;
    const { protocolVersion: _, ...credentials } = options;
    const session = new AgentSession(sessionId, String(body.result!["protocolVersion"]), credentials);
    const initialized = await session.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect(initialized.status).toBe(202);
    return session;
  }

  /** The same session id, presented with other credentials (a stolen or replayed id). */
  as(credentials: Credentials): AgentSession {
    return new AgentSession(this.sessionId, this.protocolVersion, credentials);
  }

  get path(): string {
    return this.credentials.path ?? "/mcp";
  }

  get headers(): Record<string, string> {
    return {
      ...credentialHeaders(this.credentials),
      "mcp-session-id": this.sessionId,
      "mcp-protocol-version": this.protocolVersion,
    };
  }

  post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return postMcp(body, { ...this.headers, ...headers }, this.path);
  }

  /** GET: the session's event stream (or a refusal). */
  stream(): Promise<Response> {
    return gatewayFetch(this.path, { headers: { ...this.headers, accept: "text/event-stream" } });
  }

  end(): Promise<Response> {
    return gatewayFetch(this.path, { method: "DELETE", headers: this.headers });
  }

  /** One request; the answer must be an HTTP 200 JSON body (result or JSON-RPC error). */
  async rpc(method: string, params?: Record<string, unknown>): Promise<RpcResponse> {
    const id = this.#nextId++;
    const response = await this.post({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const body = JSON.parse(text) as RpcResponse;
    expect(body.id).toBe(id);
    return body;
  }

  async result<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T> {
    const body = await this.rpc(method, params);
    expect(body.error, `${method} failed: ${JSON.stringify(body.error)}`).toBeUndefined();
    return body.result as T;
  }

  async error(method: string, params?: Record<string, unknown>): Promise<RpcError> {
    const body = await this.rpc(method, params);
    expect(body.result, `${method} ${JSON.stringify(params)} was expected to fail`).toBeUndefined();
    return body.error!;
  }

  call(name: string, args: Record<string, unknown> = {}): Promise<RpcResponse> {
    return this.rpc("tools/call", { name, arguments: args });
  }

  /** The text a tool answered with; fails the test when the call failed. */
  async callText(name: string, args: Record<string, unknown> = {}): Promise<string> {
    const result = await this.result<{ content: Array<{ text: string }> }>("tools/call", { name, arguments: args });
    return result.content[0]!.text;
  }

  /** Every item of a list, following the gateway's cursors. */
  async list(kind: NamedKind | UriKind): Promise<Array<Record<string, unknown>>> {
    const method = {
      tools: "tools/list",
      prompts: "prompts/list",
      resources: "resources/list",
      resourceTemplates: "resources/templates/list",
    }[kind];
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    do {
      const page = await this.result<Record<string, unknown>>(method, cursor === undefined ? undefined : { cursor });
      items.push(...(page[kind] as Array<Record<string, unknown>>));
      cursor = page["nextCursor"] as string | undefined;
    } while (cursor !== undefined);
    return items;
  }

  async names(kind: NamedKind = "tools"): Promise<string[]> {
    return (await this.list(kind)).map((item) => String(item["name"]));
  }

  async uris(kind: UriKind = "resources"): Promise<string[]> {
    const field = kind === "resources" ? "uri" : "uriTemplate";
    return (await this.list(kind)).map((item) => String(item[field]));
  }
}

/** A whole HTTP answer that is a JSON-RPC error: its status, body and challenge. */
export async function refusal(response: Response): Promise<{ status: number; body: RpcResponse; text: string }> {
  const text = await response.text();
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return { status: response.status, body: JSON.parse(text) as RpcResponse, text };
}
