// The gateway as an MCP client of one upstream, in the upstream's own era.
//
// Legacy upstreams get a session: initialize on first use, carry its id and version,
// re-initialize once, transparently, when the upstream forgets it (404). Their own
// requests during a call (sampling, elicitation, roots) go to `onRequest` and the
// answer goes back to them. Current-era upstreams get stateless requests with the
// `_meta` envelope and the mirrored headers.
//
// Links are made per client request (each request has its own fetch limiter); what
// outlives a request sits in a SessionSlot that its owner keeps and persists.
import { continueExchange, exchange, type Exchange } from "./http-exchange.js";
import { HandOff, NotHere } from "./elsewhere.js";
import type { Limiter } from "./limiter.js";
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  isErrorResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import { isSupportedLegacyVersion, LATEST_LEGACY_VERSION } from "../mcp/versions.js";
import { META, modernRequestHeaders, withoutEnvelope } from "../mcp/eras.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { discover } from "./era.js";
import { IDEMPOTENT_METHODS, withRetries } from "./retry.js";
import { opsReport } from "../observe/ops-report.js";
import type { ClientAnswer, Link, RequestOptions, UpstreamState } from "./link.js";

export type { UpstreamState, RequestOptions } from "./link.js";

/** One upstream's state, kept by whoever owns it (a client session, a held session). */
export interface SessionSlot {
  state?: UpstreamState | undefined;
  /** An initialize under way, shared by concurrent requests. */
  opening?: Promise<UpstreamState> | undefined;
  save(state: UpstreamState | undefined): void;
}

export interface LinkOptions {
  /** What the gateway declares to legacy upstreams at initialize: what its client can answer. */
  clientCapabilities?: Record<string, unknown>;
  /**
   * Keeps work that outlives the request alive (the owner's waitUntil): the cancellation
   * sent upstream after the client gave up would otherwise be dropped with its request.
   */
  background?: (work: Promise<unknown>) => void;
  /**
   * The upstream session belongs to someone else (a session object), and this link only
   * uses it: it never initializes one, and throws NotHere where it would (no session yet,
   * the upstream forgot it) before anything is sent. For `handOff` methods, an
   * event-stream answer is not read here but thrown as a HandOff for the owner to read.
   */
  borrowed?: { handOff: (method: string) => boolean; onExpired?: () => void };
}

const isolateTag = Math.random().toString(36).slice(2, 8);
let nextId = 1;
const requestId = (kind = "") => `gw-${isolateTag}-${kind}${nextId++}`;

/** An upstream must offer at least one of these for the gateway to have anything to relay. */
const SERVABLE_CAPABILITIES = ["tools", "prompts", "resources"];
/** The upstream requests a client can be asked to answer, and the capability each needs. */
export const RELAYABLE_REQUESTS: Record<string, string> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/** Of a client's capabilities, those an upstream may rely on through the gateway. */
export function relayableCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const relayable: Record<string, unknown> = {};
  for (const name of Object.values(RELAYABLE_REQUESTS)) {
    if (capabilities[name] !== undefined) relayable[name] = capabilities[name];
  }
  return relayable;
}

/** Why a client with these capabilities cannot be asked `method`, as the upstream's answer; undefined if it can. */
export function refusedQuestion(method: string, capabilities: Record<string, unknown>): ClientAnswer | undefined {
  const needs = Object.hasOwn(RELAYABLE_REQUESTS, method) ? RELAYABLE_REQUESTS[method] : undefined;
  if (!needs) return { error: { code: -32601, message: `The gateway does not relay ${method} to clients` } };
  if (capabilities[needs] !== undefined) return undefined;
  return {
    error: { code: -32601, message: `The client did not declare the '${needs}' capability needed for ${method}` },
  };
}

export class UpstreamLink implements Link {
  constructor(
    readonly server: ResolvedServer,
    private readonly slot: SessionSlot,
    private readonly limiter: Limiter,
    private readonly options: LinkOptions = {},
  ) {}

  get #state(): UpstreamState | undefined {
    const state = this.slot.state;
    return state?.fingerprint === this.server.fingerprint ? state : undefined;
  }

  async open(): Promise<UpstreamState> {
    const state = this.#state;
    if (state) return state;
    if (this.options.borrowed) throw new NotHere(`no session with ${this.server.name} to borrow`);
    this.slot.opening ??= this.#learn().finally(() => (this.slot.opening = undefined));
    return this.slot.opening;
  }

  /**
   * Sends a request. Idempotent ones (lists, reads) are retried with backoff when the
   * upstream could not be reached or failed transiently, within the request's timeout.
   */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions = {},
  ): Promise<JsonRpcResponse> {
    if (!IDEMPOTENT_METHODS.has(method)) return this.#requestOnce(method, params, options);
    return withRetries(
      (timeoutMs) => this.#requestOnce(method, params, { ...options, timeoutMs }),
      options.timeoutMs ?? this.server.timeoutMs,
      this.server.retries,
      options.signal,
    );
  }

  async #requestOnce(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
  ): Promise<JsonRpcResponse> {
    const state = await this.open();
    if (state.era === "modern") {
      // A current-era upstream may answer `input_required`, which only the owner can bridge.
      if (this.options.borrowed?.handOff(method)) throw new NotHere(`${this.server.name} is a current-era upstream`);
      return this.#sendModern(state, method, params, options);
    }
    const outcome = await this.#sendLegacy(state, method, params, options);
    if (outcome !== "expired") return outcome;
    if (this.options.borrowed) {
      this.options.borrowed.onExpired?.();
      const forgotten =
        state.sessionId !== undefined ? { server: this.server.name, sessionId: state.sessionId } : undefined;
      throw new NotHere(`${this.server.name} forgot the borrowed session`, forgotten);
    }
    this.#forget(state);
    const reopened = await this.open();
    const retried = await this.#sendLegacy(reopened, method, params, options);
    if (retried === "expired")
      throw errors.upstreamError(this.server.name, "forgot its session again right after re-initializing");
    return retried;
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const state = await this.open();
    const body = { jsonrpc: "2.0", method, ...(params ? { params } : {}) };
    if (state.era === "modern") {
      const headers = { ...this.server.headers, ...modernRequestHeaders(method, params, state.protocolVersion) };
      const exchanged = { ...this.#exchange(undefined, body), headers };
      await this.limiter.run(() => exchange(exchanged, null, null));
      return;
    }
    await this.limiter.run(() => exchange(this.#exchange(state, body), null, state.sessionId ?? null));
  }

  /** Ends the upstream session (best effort): the client ended its own. */
  async close(): Promise<void> {
    const state = this.#state;
    if (!state?.sessionId || this.options.borrowed) return;
    this.#forget(state);
    await this.limiter.run(async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.min(this.server.timeoutMs, 5000));
      try {
        const response = await fetch(this.server.registration.url, {
          method: "DELETE",
          headers: this.headers(state),
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

  /** The headers every request of this state carries (credentials, version, session). */
  headers(state: UpstreamState | undefined): Record<string, string> {
    const headers: Record<string, string> = { ...this.server.headers };
    if (state) headers["mcp-protocol-version"] = state.protocolVersion;
    if (state?.sessionId) headers["mcp-session-id"] = state.sessionId;
    return headers;
  }

  /** Forgets a session the upstream no longer knows, so the next use re-initializes. */
  forgetSession(sessionId?: string): void {
    const state = this.#state;
    if (state && (sessionId === undefined || state.sessionId === sessionId)) this.#forget(state);
  }

  async #sendModern(
    state: UpstreamState,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
  ): Promise<JsonRpcResponse> {
    const id = requestId();
    const meta: Record<string, unknown> = {
      ...withoutEnvelope(asRecord(params?.["_meta"])),
      [META.protocolVersion]: state.protocolVersion,
      [META.clientInfo]: GATEWAY_INFO,
      [META.clientCapabilities]: options.clientCapabilities ?? {},
      ...(options.logLevel !== undefined ? { [META.logLevel]: options.logLevel } : {}),
    };
    const sent = { ...params, _meta: meta };
    const body = { jsonrpc: "2.0", id, method, params: sent };
    const ex: Exchange = {
      ...this.#exchange(undefined, body, options),
      headers: { ...this.server.headers, ...modernRequestHeaders(method, sent, state.protocolVersion) },
    };
    const outcome = await this.limiter.run(() => exchange(ex, id, null));
    if (outcome.kind !== "response")
      throw errors.upstreamError(this.server.name, "accepted a request without answering it");
    return outcome.response;
  }

  async #sendLegacy(
    state: UpstreamState,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
  ): Promise<JsonRpcResponse | "expired"> {
    const id = requestId();
    const sent =
      params && "_meta" in params ? { ...params, _meta: withoutEnvelope(asRecord(params["_meta"])) } : params;
    const body = { jsonrpc: "2.0", id, method, ...(sent ? { params: sent } : {}) };
    const stopCancelling = this.#cancelOnAbort(state, id, options.signal);
    try {
      const ex = this.#exchange(state, body, options);
      if (this.options.borrowed?.handOff(method)) ex.handOffStreams = true;
      const outcome = await this.limiter.run(() => exchange(ex, id, state.sessionId ?? null));
      if (outcome.kind === "session-expired") return "expired";
      if (outcome.kind === "event-stream")
        throw new HandOff(this.server.name, id, state, outcome.body, outcome.drained);
      if (outcome.kind !== "response")
        throw errors.upstreamError(this.server.name, "accepted a request without answering it");
      return outcome.response;
    } finally {
      stopCancelling();
    }
  }

  /**
   * Reads the answer to a request a borrower sent on `state` (its HandOff), as if it had
   * been sent here: the upstream's questions and notifications go to `options`, and the
   * client cancelling tells the upstream.
   */
  async adopt(
    state: UpstreamState,
    upstreamId: string,
    body: ReadableStream<Uint8Array>,
    options: RequestOptions,
  ): Promise<JsonRpcResponse> {
    const stopCancelling = this.#cancelOnAbort(state, upstreamId, options.signal);
    try {
      return await continueExchange(this.#exchange(state, {}, options), upstreamId, body);
    } finally {
      stopCancelling();
    }
  }

  /** Tells the upstream when the client gives up on request `id`; returns the undo. */
  #cancelOnAbort(state: UpstreamState, id: string, signal: AbortSignal | undefined): () => void {
    if (!signal) return () => undefined;
    const onCancel = () => {
      const body = {
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason: "The client cancelled the request" },
      };
      const sent = this.limiter
        .run(() => exchange(this.#exchange(state, body), null, state.sessionId ?? null))
        .catch(() => undefined);
      this.options.background?.(sent);
    };
    signal.addEventListener("abort", onCancel, { once: true });
    return () => signal.removeEventListener("abort", onCancel);
  }

  /** A legacy upstream asks something of the client mid-call: relay it, answer it. */
  async #answerUpstream(state: UpstreamState, request: JsonRpcRequest, options: RequestOptions): Promise<void> {
    let answer: ClientAnswer;
    if (request.method === "ping") answer = { result: {} };
    else if (!Object.hasOwn(RELAYABLE_REQUESTS, request.method)) {
      answer = { error: { code: -32601, message: `Method not found: ${request.method}` } };
    } else if (!options.onRequest) {
      answer = { error: { code: -32601, message: `The client cannot answer ${request.method} here` } };
    } else {
      try {
        answer = await options.onRequest(request.method, request.params ?? {});
      } catch (error) {
        answer = { error: { code: -32603, message: error instanceof Error ? error.message : "relay failed" } };
      }
    }
    const body = { jsonrpc: "2.0", id: request.id, ...answer };
    // Outside the limiter: the call holding a slot is waiting for exactly this answer.
    await exchange(this.#exchange(state, body), null, state.sessionId ?? null).catch(() => undefined);
  }

  async #learn(): Promise<UpstreamState> {
    const found = await discover(this.server, this.limiter);
    if (found.era === "legacy") return this.#initialize();
    const state: UpstreamState = { ...found, fingerprint: this.server.fingerprint };
    opsReport.era(this.server.name, "modern", state.protocolVersion);
    this.#check(state.capabilities);
    this.slot.state = state;
    this.slot.save(state);
    return state;
  }

  async #initialize(): Promise<UpstreamState> {
    const id = requestId("init-");
    const body = {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: {
        protocolVersion: LATEST_LEGACY_VERSION,
        capabilities: this.options.clientCapabilities ?? {},
        clientInfo: GATEWAY_INFO,
      },
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
    opsReport.era(this.server.name, "legacy", version);
    this.#check(capabilities);
    const state: UpstreamState = {
      era: "legacy",
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

  #check(capabilities: Record<string, unknown>): void {
    if (!SERVABLE_CAPABILITIES.some((name) => capabilities[name] !== undefined)) {
      throw errors.upstreamError(
        this.server.name,
        "offers no tools, prompts or resources, so there is nothing to serve",
      );
    }
  }

  #forget(state: UpstreamState): void {
    if (this.slot.state !== state) return;
    this.slot.state = undefined;
    this.slot.save(undefined);
  }

  #exchange(state: UpstreamState | undefined, body: Record<string, unknown>, options: RequestOptions = {}): Exchange {
    const onMessage = (message: JsonRpcMessage) => {
      if (message.kind === "notification") options.onNotification?.(message.message);
      else if (message.kind === "request" && state) return this.#answerUpstream(state, message.message, options);
      return undefined;
    };
    return {
      server: this.server.name,
      url: this.server.registration.url,
      headers: this.headers(state),
      body,
      timeoutMs: options.timeoutMs ?? this.server.timeoutMs,
      breaker: this.server.breaker,
      onMessage,
      signal: options.signal,
    };
  }
}
