// The gateway as an MCP client of one upstream, in the upstream's own era.
//
// Legacy upstreams get a session: initialize on first use, carry its id and version.
// Their own requests during a call (sampling, elicitation, roots) go to `onRequest` and
// the answer goes back to them. Current-era upstreams get stateless requests with the
// `_meta` envelope and the mirrored headers.
//
// Whoever owns the session's slot sends with `request`, which re-initializes once,
// transparently, when the upstream forgot the session (404). A borrower (the Worker using
// a session object's upstream session) sends with `attempt`, which never initializes and
// says so in its outcome instead. Links are made per invocation: every fetch goes through
// the invocation's limiter; what outlives it sits in the SessionSlot its owner keeps.
import { continueExchange, exchange, type Exchange, type ExchangeOutcome } from "./http-exchange.js";
import type { Limiter } from "./limiter.js";
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from "../mcp/jsonrpc.js";
import { META, modernRequestHeaders, withoutEnvelope } from "../mcp/eras.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import type { ClientAnswer } from "../mcp/questions.js";
import { isIdempotent, withRetries } from "./retry.js";
import { questionAnswer } from "./question-answer.js";
import { learn } from "./learn.js";
import type { SseChannel, SseChannels } from "./sse-channel.js";
import { upstreamRequestId } from "./ids.js";
import { traceHeaders } from "./trace-headers.js";
import type { Attempt, RequestOptions, SessionSlot, UpstreamState, UpstreamStream } from "./link.js";

export type { Attempt, RequestOptions, SessionSlot, UpstreamState, UpstreamStream } from "./link.js";

export interface LinkOptions {
  /** What the gateway declares to legacy upstreams at initialize: what its client can answer. */
  clientCapabilities?: Record<string, unknown>;
  /**
   * Keeps work that outlives the request alive (the owner's waitUntil): the cancellation
   * sent upstream after the client gave up would otherwise be dropped with its request.
   */
  background?: (work: Promise<unknown>) => void;
  /**
   * Where an owner holds its HTTP+SSE transport streams (sse-channel.ts). Without it (the
   * Worker) such an upstream's session cannot be used here: attempts say `unavailable`.
   */
  sse?: SseChannels;
}

/** One send on one state: what came back, or that the upstream forgot the session. */
type Sent = Exclude<Attempt, { kind: "unavailable" }> | { kind: "expired" };

export class UpstreamLink {
  constructor(
    readonly server: ResolvedServer,
    private readonly slot: SessionSlot,
    /** The invocation's limiter: every fetch of this link takes a slot of it. */
    readonly limiter: Limiter,
    private readonly options: LinkOptions = {},
  ) {}

  /** What is known of the upstream without asking it (nothing after a registration change). */
  get known(): UpstreamState | undefined {
    const state = this.slot.state;
    return state?.fingerprint === this.server.fingerprint ? state : undefined;
  }

  /** The upstream's era and capabilities: learned (server/discover, initialize) on first use. */
  async open(): Promise<UpstreamState> {
    const state = this.known;
    if (state) return state;
    this.slot.opening ??= this.#learn().finally(() => (this.slot.opening = undefined));
    return this.slot.opening;
  }

  /**
   * Sends a request on this owner's session, re-initializing it once when the upstream
   * forgot it. Idempotent ones (lists, reads) are retried with backoff when the upstream
   * could not be reached or failed transiently, within the request's timeout.
   */
  request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions = {}) {
    return this.#retried(method, options, async (once) => {
      const state = await this.open();
      const sent = await this.#send(state, method, params, once, false);
      if (sent.kind !== "expired") return answerOf(sent);
      this.#forget(state);
      const again = await this.#send(await this.open(), method, params, once, false);
      if (again.kind === "expired")
        throw errors.upstreamError(this.server.name, "forgot its session again right after re-initializing");
      return answerOf(again);
    });
  }

  /**
   * Sends a request on a session someone else owns, never initializing one: the answer,
   * or (with `handOverStreams`) the stream of an answer that brings something else first,
   * or `unavailable` when there is no usable session or the upstream forgot it.
   */
  attempt(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions = {},
    handOverStreams = false,
  ): Promise<Attempt> {
    const state = this.known;
    if (!state) return Promise.resolve({ kind: "unavailable" });
    return this.#retried(method, options, async (once) => {
      const sent = await this.#send(state, method, params, once, handOverStreams);
      if (sent.kind !== "expired") return sent;
      return { kind: "unavailable", ...(state.sessionId !== undefined ? { forgotten: state.sessionId } : {}) };
    });
  }

  #retried<T>(method: string, options: RequestOptions, send: (options: RequestOptions) => Promise<T>): Promise<T> {
    if (!isIdempotent(method)) return send(options);
    const timeoutMs = options.timeoutMs ?? this.server.timeoutMs;
    return withRetries((ms) => send({ ...options, timeoutMs: ms }), timeoutMs, this.server.retries, options.signal);
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
    await this.#post(state, body);
  }

  /** Ends the upstream session (best effort): the client ended its own. */
  async close(): Promise<void> {
    const state = this.known;
    if (state?.transport === "sse") {
      this.#forget(state);
      return this.options.sse?.close(this.server.name);
    }
    if (!state?.sessionId) return;
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
    const state = this.known;
    if (state && (sessionId === undefined || state.sessionId === sessionId)) this.#forget(state);
  }

  /**
   * Reads the answer to a request a borrower sent and handed over as a stream, as if it
   * had been sent here: the upstream's questions and notifications go to `options`, and
   * the client cancelling tells the upstream.
   */
  async readHandedStream(stream: Omit<UpstreamStream, "drained">, options: RequestOptions): Promise<JsonRpcResponse> {
    const stopCancelling = this.#cancelOnAbort(stream.state, stream.upstreamId, options.signal);
    try {
      return await continueExchange(this.#exchange(stream.state, {}, options), stream.upstreamId, stream.body);
    } finally {
      stopCancelling();
    }
  }

  async #send(
    state: UpstreamState,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
    handOverStreams: boolean,
  ): Promise<Sent> {
    if (state.era === "modern")
      return { kind: "answered", response: await this.#sendModern(state, method, params, options) };
    const id = upstreamRequestId();
    const sent =
      params && "_meta" in params ? { ...params, _meta: withoutEnvelope(asRecord(params["_meta"])) } : params;
    const body = { jsonrpc: "2.0" as const, id, method, ...(sent ? { params: sent } : {}) };
    if (state.transport === "sse") return this.#sendOverSse(state, body, options);
    const stopCancelling = this.#cancelOnAbort(state, id, options.signal);
    try {
      const ex = { ...this.#exchange(state, body, options), handOverStreams };
      const outcome = await this.limiter.run(() => exchange(ex, id, state.sessionId ?? null));
      return this.#sentOf(outcome, state, id);
    } finally {
      stopCancelling();
    }
  }

  /** On the owner's HTTP+SSE channel; none (evicted, dropped, or the Worker): like a forgotten session. */
  async #sendOverSse(
    state: UpstreamState,
    body: JsonRpcRequest & { id: string },
    options: RequestOptions,
  ): Promise<Sent> {
    const channel = this.sseChannel;
    if (!channel) return { kind: "expired" };
    const stopCancelling = this.#cancelOnAbort(state, body.id, options.signal);
    try {
      return { kind: "answered", response: await channel.request(body, options) };
    } finally {
      stopCancelling();
    }
  }

  #sentOf(outcome: ExchangeOutcome, state: UpstreamState, upstreamId: string): Sent {
    switch (outcome.kind) {
      case "session-expired":
        return { kind: "expired" };
      case "event-stream":
        return { kind: "streaming", stream: { server: this.server.name, upstreamId, state, ...outcome } };
      case "response":
        return { kind: "answered", response: outcome.response };
      case "accepted":
        throw errors.upstreamError(this.server.name, "accepted a request without answering it");
    }
  }

  async #sendModern(
    state: UpstreamState,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
  ): Promise<JsonRpcResponse> {
    const id = upstreamRequestId();
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
      headers: {
        ...this.server.headers,
        ...modernRequestHeaders(method, sent, state.protocolVersion),
        ...traceHeaders(sent),
      },
    };
    const outcome = await this.limiter.run(() => exchange(ex, id, null));
    if (outcome.kind !== "response")
      throw errors.upstreamError(this.server.name, "accepted a request without answering it");
    return outcome.response;
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
      this.options.background?.(this.#post(state, body).catch(() => undefined));
    };
    signal.addEventListener("abort", onCancel, { once: true });
    return () => signal.removeEventListener("abort", onCancel);
  }

  /** A legacy upstream asks something of the client mid-call: relay it, answer it. */
  async #answerUpstream(state: UpstreamState, request: JsonRpcRequest, options: RequestOptions): Promise<void> {
    await this.reply(state, request.id, await questionAnswer(request, options));
  }

  /**
   * Sends the upstream the answer to its own request (best effort). Outside the limiter: a
   * call or a listening stream holding a slot may be waiting for exactly this answer.
   */
  async reply(state: UpstreamState, id: RequestId, answer: ClientAnswer): Promise<void> {
    const body = { jsonrpc: "2.0", id, ...answer };
    if (state.transport === "sse") await this.sseChannel?.post(body).catch(() => undefined);
    else await exchange(this.#exchange(state, body), null, state.sessionId ?? null).catch(() => undefined);
  }

  /** The HTTP+SSE channel this link's owner holds to its upstream, while it is open. */
  get sseChannel(): SseChannel | undefined {
    return this.options.sse?.get(this.server);
  }

  /** A notification to a legacy upstream, on its transport (through the limiter for Streamable HTTP). */
  async #post(state: UpstreamState, body: Record<string, unknown>): Promise<void> {
    if (state.transport === "sse") {
      const channel = this.sseChannel;
      if (channel) await channel.post(body);
      return;
    }
    await this.limiter.run(() => exchange(this.#exchange(state, body), null, state.sessionId ?? null));
  }

  async #learn(): Promise<UpstreamState> {
    const state = await learn(this.server, this.limiter, this.options.clientCapabilities ?? {}, this.options.sse);
    this.slot.state = state;
    this.slot.save(state);
    return state;
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
    const trace = traceHeaders(body["params"]);
    return {
      server: this.server.name,
      url: this.server.registration.url,
      headers: trace ? { ...this.headers(state), ...trace } : this.headers(state),
      body,
      timeoutMs: options.timeoutMs ?? this.server.timeoutMs,
      breaker: this.server.breaker,
      secretForms: this.server.secretForms,
      onMessage,
      signal: options.signal,
      resumable: state?.era === "legacy",
    };
  }
}

function answerOf(sent: Sent): JsonRpcResponse {
  if (sent.kind === "answered") return sent.response;
  throw new Error(`an owner's request came back ${sent.kind}`);
}
