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

export function initializeRequest(
  protocolVersion = "2025-06-18",
  id: string | number = 0,
  capabilities: Record<string, unknown> = {},
) {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion, capabilities, clientInfo: { name: "integration-test", version: "1.0.0" } },
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
  /** The client capabilities declared at initialize (none by default). */
  capabilities?: Record<string, unknown>;
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
    initializeRequest(credentials.protocolVersion ?? "2025-06-18", 0, credentials.capabilities),
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
    const { protocolVersion: _, capabilities: _capabilities, ...credentials } = options;
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

  /** GET: the session's event stream (or a refusal); with an event id, resumes the stream it belongs to. */
  stream(lastEventId?: string): Promise<Response> {
    const resume: Record<string, string> = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
    return gatewayFetch(this.path, { headers: { ...this.headers, accept: "text/event-stream", ...resume } });
  }

  /** The next request id this client would use, taken (for requests built by hand). */
  takeId(): number {
    return this.#nextId++;
  }

  /**
   * One request whose answer may be JSON or an event stream: every JSON-RPC message the
   * client received, in order (for a stream, what came before the answer, then the answer).
   */
  async exchange(
    method: string,
    params?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<{ id: number; contentType: string; messages: RpcMessage[]; events: SseEvent[] }> {
    const id = this.#nextId++;
    const response = await this.post({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }, headers);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.startsWith("application/json")) {
      return { id, contentType, messages: [JSON.parse(text) as RpcMessage], events: [] };
    }
    expect(contentType).toMatch(/^text\/event-stream/);
    const events = parseSse(text);
    return { id, contentType, messages: messagesOf(events), events };
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

/** Any JSON-RPC message a client can receive: a response, a notification or a server's request. */
export interface RpcMessage {
  jsonrpc: "2.0";
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: RpcError;
}

/** One server-sent event; a block of comments alone is an event with only `comments`. */
export interface SseEvent {
  id?: string;
  event?: string;
  /** Absent when the event had no data field. */
  data?: string;
  comments: string[];
}

/** Parses complete SSE blocks (each ended by a blank line); a trailing partial block is ignored. */
export function parseSse(text: string): SseEvent[] {
  const blocks = text.replace(/\r\n?/g, "\n").split("\n\n");
  blocks.pop();
  return blocks.map(parseBlock);
}

function parseBlock(block: string): SseEvent {
  const event: SseEvent = { comments: [] };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      event.comments.push(line.slice(1).trimStart());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "id") event.id = value;
    else if (field === "event") event.event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length > 0) event.data = data.join("\n");
  return event;
}

/** The JSON-RPC messages among events (priming events and comments carry none). */
export function messagesOf(events: readonly SseEvent[]): RpcMessage[] {
  return events.flatMap((e) => (e.data === undefined || e.data === "" ? [] : [JSON.parse(e.data) as RpcMessage]));
}

/**
 * Reads a live event stream as it comes. `next` waits a bounded time: it gives the next
 * event, "end" when the stream ended, or "timeout" when nothing came in time.
 */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly #queue: Array<SseEvent | "end"> = [];
  #wake: (() => void) | undefined;
  #buffer = "";
  /** Everything received so far, raw. */
  raw = "";

  constructor(response: Response) {
    this.#reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    void this.#pump();
  }

  async next(timeoutMs = 10_000): Promise<SseEvent | "end" | "timeout"> {
    if (this.#queue.length === 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    const item = this.#queue[0];
    if (item === undefined) return "timeout";
    if (item !== "end") this.#queue.shift();
    return item;
  }

  /** The next event that carries a JSON-RPC message (skipping comments and priming events). */
  async nextMessage(timeoutMs = 10_000): Promise<RpcMessage | "end" | "timeout"> {
    for (;;) {
      const event = await this.next(timeoutMs);
      if (event === "end" || event === "timeout") return event;
      const [message] = messagesOf([event]);
      if (message) return message;
    }
  }

  /** Messages until (and with) the response to `id`; fails on the stream's end or a timeout. */
  async untilResponse(id: string | number, timeoutMs = 10_000): Promise<RpcMessage[]> {
    const messages: RpcMessage[] = [];
    for (;;) {
      const message = await this.nextMessage(timeoutMs);
      if (message === "end" || message === "timeout")
        throw new Error(`no response to ${id} (${message}) after ${JSON.stringify(messages)}`);
      messages.push(message);
      if (message.id === id && message.method === undefined) return messages;
    }
  }

  /** Every message until the stream ends; fails when it does not end in time. */
  async rest(timeoutMs = 10_000): Promise<RpcMessage[]> {
    const messages: RpcMessage[] = [];
    for (;;) {
      const message = await this.nextMessage(timeoutMs);
      if (message === "end") return messages;
      if (message === "timeout") throw new Error(`the stream did not end, after ${JSON.stringify(messages)}`);
      messages.push(message);
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        this.raw += value;
        this.#buffer += value.replace(/\r\n?/g, "\n");
        let end: number;
        while ((end = this.#buffer.indexOf("\n\n")) !== -1) {
          this.#queue.push(parseBlock(this.#buffer.slice(0, end)));
          this.#buffer = this.#buffer.slice(end + 2);
          this.#wake?.();
        }
      }
    } catch {
      // Cancelled or dropped: the stream is over for this reader.
    }
    this.#queue.push("end");
    this.#wake?.();
  }
}

/** A session id of the right shape that no session has. */
export function unknownSessionId(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
