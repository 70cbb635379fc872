// The gateway as an MCP client of one upstream, within one client session: it
// initializes on first use, carries the upstream's session id and protocol version,
// and re-initializes once, transparently, when the upstream forgets the session (404).
// Links are made per client request (each request has its own fetch limiter); what
// outlives a request sits in a SessionSlot that the owner keeps and persists.
import { exchange, type Exchange } from "./http-exchange.js";
import type { Limiter } from "./limiter.js";
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import { asRecord, isErrorResponse, type JsonRpcMessage, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { isSupportedLegacyVersion, LATEST_LEGACY_VERSION } from "../mcp/versions.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";

export interface UpstreamSessionState {
  /** Absent when the upstream runs without sessions. */
  sessionId?: string;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  /** The registration fingerprint this session was opened under; a change reopens it. */
  fingerprint: string;
}

/** One upstream session's state, kept by whoever owns it (a client session object). */
export interface SessionSlot {
  state?: UpstreamSessionState | undefined;
  /** An initialize under way, shared by concurrent requests. */
  opening?: Promise<UpstreamSessionState> | undefined;
  save(state: UpstreamSessionState | undefined): void;
}

export interface RequestOptions {
  onMessage?: (message: JsonRpcMessage) => void;
  timeoutMs?: number;
}

let nextId = 1;

/** An upstream must offer at least one of these for the gateway to have anything to relay. */
const SERVABLE_CAPABILITIES = ["tools", "prompts", "resources"];

export class UpstreamLink {
  constructor(
    readonly server: ResolvedServer,
    private readonly slot: SessionSlot,
    private readonly limiter: Limiter,
  ) {}

  get #state(): UpstreamSessionState | undefined {
    const state = this.slot.state;
    return state?.fingerprint === this.server.fingerprint ? state : undefined;
  }

  /** The upstream's capabilities, initializing the session if needed. */
  async open(): Promise<UpstreamSessionState> {
    const state = this.#state;
    if (state) return state;
    this.slot.opening ??= this.#initialize().finally(() => (this.slot.opening = undefined));
    return this.slot.opening;
  }

  /** Sends a request; the response carries the gateway's id, which the caller replaces. */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions = {},
  ): Promise<JsonRpcResponse> {
    const state = await this.open();
    const outcome = await this.#send(state, { method, params }, options);
    if (outcome !== "expired") return outcome;
    this.#forget(state);
    const reopened = await this.open();
    const retried = await this.#send(reopened, { method, params }, options);
    if (retried === "expired")
      throw errors.upstreamError(this.server.name, "forgot its session again right after re-initializing");
    return retried;
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const state = await this.open();
    await this.limiter.run(() =>
      exchange(
        this.#exchange(state, { jsonrpc: "2.0", method, ...(params ? { params } : {}) }),
        null,
        state.sessionId ?? null,
      ),
    );
  }

  /** Ends the upstream session (best effort): the client ended its own. */
  async close(): Promise<void> {
    const state = this.#state;
    if (!state?.sessionId) return;
    this.#forget(state);
    await this.limiter.run(async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.min(this.server.timeoutMs, 5000));
      try {
        const response = await fetch(this.server.registration.url, {
          method: "DELETE",
          headers: this.#headers(state),
          signal: controller.signal,
        });
        await response.body?.cancel();
      } catch {
        // The upstream will expire the session on its own.
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async #send(
    state: UpstreamSessionState,
    message: { method: string; params: Record<string, unknown> | undefined },
    options: RequestOptions,
  ): Promise<JsonRpcResponse | "expired"> {
    const id = `gw-${nextId++}`;
    const body = { jsonrpc: "2.0", id, method: message.method, ...(message.params ? { params: message.params } : {}) };
    const outcome = await this.limiter.run(() =>
      exchange(this.#exchange(state, body, options), id, state.sessionId ?? null),
    );
    if (outcome.kind === "session-expired") return "expired";
    if (outcome.kind !== "response")
      throw errors.upstreamError(this.server.name, "accepted a request without answering it");
    return outcome.response;
  }

  async #initialize(): Promise<UpstreamSessionState> {
    const id = `gw-init-${nextId++}`;
    const body = {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: { protocolVersion: LATEST_LEGACY_VERSION, capabilities: {}, clientInfo: GATEWAY_INFO },
    };
    const outcome = await this.limiter.run(() => exchange(this.#exchange(undefined, body), id, null));
    if (outcome.kind !== "response") throw errors.upstreamError(this.server.name, "did not answer initialize");
    const response = outcome.response;
    if (isErrorResponse(response)) {
      throw errors.upstreamError(this.server.name, `refused initialize: ${response.error.message}`);
    }
    const result = response.result;
    const version = result["protocolVersion"];
    if (typeof version !== "string" || !isSupportedLegacyVersion(version)) {
      throw errors.upstreamError(
        this.server.name,
        `speaks protocol revision '${String(version)}', which the gateway does not support`,
      );
    }
    const capabilities = asRecord(result["capabilities"]);
    if (!SERVABLE_CAPABILITIES.some((name) => capabilities[name] !== undefined)) {
      throw errors.upstreamError(
        this.server.name,
        "offers no tools, prompts or resources, so there is nothing to serve",
      );
    }
    const state: UpstreamSessionState = {
      protocolVersion: version,
      capabilities,
      serverInfo: asRecord(result["serverInfo"]),
      fingerprint: this.server.fingerprint,
      ...(outcome.sessionId ? { sessionId: outcome.sessionId } : {}),
    };
    await this.limiter.run(() =>
      exchange(
        this.#exchange(state, { jsonrpc: "2.0", method: "notifications/initialized" }),
        null,
        state.sessionId ?? null,
      ),
    );
    this.slot.state = state;
    this.slot.save(state);
    return state;
  }

  #forget(state: UpstreamSessionState): void {
    if (this.slot.state !== state) return;
    this.slot.state = undefined;
    this.slot.save(undefined);
  }

  #exchange(
    state: UpstreamSessionState | undefined,
    body: Record<string, unknown>,
    options: RequestOptions = {},
  ): Exchange {
    return {
      server: this.server.name,
      url: this.server.registration.url,
      headers: this.#headers(state),
      body,
      timeoutMs: options.timeoutMs ?? this.server.timeoutMs,
      ...(options.onMessage ? { onMessage: options.onMessage } : {}),
    };
  }

  #headers(state: UpstreamSessionState | undefined): Record<string, string> {
    const headers: Record<string, string> = { ...this.server.headers };
    if (state) headers["mcp-protocol-version"] = state.protocolVersion;
    if (state?.sessionId) headers["mcp-session-id"] = state.sessionId;
    return headers;
  }
}
