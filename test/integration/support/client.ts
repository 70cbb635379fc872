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

/**
 * One client session, as a chosen agent (its own API key or none, an optional X-MCP-Agent
 * narrowing, /mcp or /mcp/<virtual server>), by default the test agent on /mcp. It hands
 * back what a client sees, and can replay its session id under other credentials.
 */
export class GatewayClient {
  #nextId = 1;

  private constructor(
    readonly sessionId: string,
    readonly protocolVersion: string,
    readonly initializeResult: Record<string, unknown>,
    readonly credentials: Credentials,
  ) {}

  /** initialize, then notifications/initialized, as a well-behaved client does. */
  static async connect(protocolVersion = "2025-06-18"): Promise<GatewayClient> {
    return GatewayClient.open({ protocolVersion });
  }

  /** initialize, then notifications/initialized, as these credentials. */
  static async open(options: AgentOptions = {}): Promise<GatewayClient> {
    const response = await initializeAs(options);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const sessionId = response.headers.get("mcp-session-id");
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/);
    const body = JSON.parse(text) as RpcResponse;
    expect(body.error).toBeUndefined();
    const result = body.result!;
    const { protocolVersion: _, ...credentials } = options;
    const client = new GatewayClient(sessionId!, String(result["protocolVersion"]), result, credentials);
    const initialized = await client.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    expect(initialized.status).toBe(202);
    return client;
  }

  /** The same session id, presented with other credentials (a stolen or replayed id). */
  as(credentials: Credentials): GatewayClient {
    return new GatewayClient(this.sessionId, this.protocolVersion, this.initializeResult, credentials);
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
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = JSON.parse(text) as RpcResponse;
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

  /** Every tool, following the gateway's cursors. */
  async tools(): Promise<Tool[]> {
    return (await this.list("tools")) as unknown as Tool[];
  }

  async names(kind: NamedKind = "tools"): Promise<string[]> {
    return (await this.list(kind)).map((item) => String(item["name"]));
  }

  async toolNames(): Promise<string[]> {
    return this.names("tools");
  }

  async uris(kind: UriKind = "resources"): Promise<string[]> {
    const field = kind === "resources" ? "uri" : "uriTemplate";
    return (await this.list(kind)).map((item) => String(item[field]));
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
