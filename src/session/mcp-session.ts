// McpSession: one Durable Object per legacy (2025-era) client session. It holds what
// must survive eviction in its storage (negotiated version, client capabilities,
// upstream session ids, recent stream events), answers the session's requests through
// the gateway router, and ends itself after the configured idle time.
//
// While a request is in flight, its answer becomes an event stream as soon as something
// must reach the client first: progress, log messages, an upstream's question (whose
// answer the client POSTs back here). Streams carry event ids and are recorded, so a
// client that lost one resumes it with GET + Last-Event-ID. While the client keeps its
// GET stream open, the session listens to its upstreams and relays list changes that
// change what this client sees, and resource updates it may read.
// The Worker has already checked headers, size and JSON-RPC shape before calling it.
import { DurableObject } from "cloudflare:workers";
import { configStore } from "../config/store.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  errorResponse,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from "../mcp/jsonrpc.js";
import {
  allowsBatches,
  isSupportedLegacyVersion,
  LEGACY_PROTOCOL_VERSIONS,
  negotiateVersion,
} from "../mcp/versions.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { continueCall, route, type GatewayContext } from "../gateway/router.js";
import type { HandOff } from "../upstream/elsewhere.js";
import type { Fallback } from "../http/session-calls.js";
import { advertisedCapabilities, rememberCapabilities, rememberedCapabilities } from "../gateway/capabilities.js";
import { Limiter, MAX_UPSTREAM_FETCHES } from "../upstream/limiter.js";
import {
  relayableCapabilities,
  UpstreamLink,
  type SessionSlot,
  type UpstreamState as UpstreamSessionState,
} from "../upstream/upstream-link.js";
import type { ClientAnswer } from "../upstream/link.js";
import { UpstreamListener } from "../upstream/listener.js";
import type { ClientChannel } from "../gateway/client-channel.js";
import { ChangeFeed } from "../gateway/change-feed.js";
import { clearCatalog, kindsChangedBy } from "../gateway/catalog.js";
import { Reply } from "../http/reply.js";
import {
  errorHttpResponse,
  rpcResponses,
  SESSION_HEADER,
  toGatewayError,
  type ResponseFormat,
} from "../http/responses.js";
import { SESSION_KEY, UPSTREAM_KEY_PREFIX, upstreamKey } from "./storage-keys.js";
import { EventLog } from "./event-log.js";
import { RecordedStream } from "./recorded-stream.js";
import { log } from "../observe/log.js";
import { flushOpsSoon, observerFor } from "../observe/observer.js";
import { opsReport } from "../observe/ops-report.js";
import { rateGateFor, requestBuckets } from "../ratelimit/rate-limits.js";
import { sameIdentity, type Caller, type Identity } from "../auth/principal.js";
import { policyFor } from "../gateway/access.js";

export interface SessionRecord {
  id: string;
  /** Who opened the session, through which endpoint: only they may use it. */
  identity: Identity;
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
  createdAt: number;
  lastActiveAt: number;
  ttlSeconds: number;
  logLevel?: string;
}

/** The upstream sessions of a client session, as a Worker borrows them. */
export interface SessionView {
  upstreams: Map<string, UpstreamSessionState>;
}

/** A handed-over call, as it crosses to the session object. */
export type AdoptedCall = Pick<HandOff, "server" | "upstreamId" | "state" | "body" | "item">;

/** How long initialize waits for upstreams to describe themselves before answering. */
const INITIALIZE_WAIT_MS = 3000;
/** Activity is written to storage at most this often; eviction can lose at most this much. */
const ACTIVITY_WRITE_INTERVAL_MS = 60_000;
/** How long an upstream's question waits for the client's answer. */
const ASK_TIMEOUT_MS = 300_000;

interface PendingAsk {
  resolve: (answer: ClientAnswer) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class McpSession extends DurableObject<Env> {
  #record: SessionRecord | null | undefined;
  #storedActiveAt = 0;
  #slots: Map<string, SessionSlot> | undefined;
  readonly #events = new EventLog(this.ctx.storage);
  /** Streams of requests still in flight, by stream number: a reconnect resumes them. */
  readonly #live = new Map<number, RecordedStream>();
  /** The GET stream, and the upstream listeners that feed it while it is open. */
  #notifications: RecordedStream | undefined;
  #listeners: UpstreamListener[] = [];
  #feed: ChangeFeed | undefined;
  /** Client requests in flight, by JSON-encoded id: notifications/cancelled aborts them. */
  readonly #inFlight = new Map<string, AbortController>();
  /** Questions sent to the client, by the id the gateway gave them. */
  readonly #asks = new Map<string, PendingAsk>();
  readonly #observer = observerFor(this.env, (p) => this.ctx.waitUntil(p));

  /** Starts the session: called by the Worker with a fresh, unguessable id. */
  async initialize(
    sessionId: string,
    request: JsonRpcRequest,
    format: ResponseFormat,
    identity: Identity,
    caller: Caller,
  ): Promise<Response> {
    const snapshot = await configStore(this.env).current();
    // initialize contacts every upstream the agent may see: it counts like any request.
    try {
      await rateGateFor(this.env.RATE_LIMITER)(requestBuckets(snapshot, identity));
    } catch (error) {
      return rpcResponses([errorResponse(request.id, toGatewayError(error).toJsonRpc())], false, format);
    }
    const params = request.params ?? {};
    const now = Date.now();
    const record: SessionRecord = {
      id: sessionId,
      identity,
      protocolVersion: negotiateVersion(params["protocolVersion"]),
      clientInfo: asRecord(params["clientInfo"]),
      clientCapabilities: asRecord(params["capabilities"]),
      createdAt: now,
      lastActiveAt: now,
      ttlSeconds: snapshot.settings.sessionTtlSeconds,
    };
    await this.ctx.storage.put(SESSION_KEY, record);
    await this.ctx.storage.setAlarm(now + record.ttlSeconds * 1000);
    this.#record = record;
    this.#storedActiveAt = now;

    const result = {
      protocolVersion: record.protocolVersion,
      capabilities: await this.#discoverCapabilities(snapshot, caller),
      serverInfo: GATEWAY_INFO,
    };
    log("info", "session.initialized", { session: sessionId.slice(0, 8), protocolVersion: record.protocolVersion });
    this.#reportSession("started");
    return rpcResponses([resultResponse(request.id, result)], false, format, { [SESSION_HEADER]: sessionId });
  }

  /** Messages POSTed to the session: requests are answered, the rest acknowledged. */
  async post(
    identity: Identity,
    caller: Caller,
    messages: JsonRpcMessage[],
    batch: boolean,
    headerVersion: string | null,
    format: ResponseFormat,
    streamable = format === "sse",
    /** What the Worker's fast path learned before it passed the request on (http/session-calls.ts). */
    fallback?: Fallback,
  ): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    if (headerVersion !== null && !isSupportedLegacyVersion(headerVersion)) {
      const only = !batch && messages[0]?.kind === "request" ? messages[0].message.id : null;
      return errorHttpResponse(errors.unsupportedProtocolVersion(headerVersion, LEGACY_PROTOCOL_VERSIONS), only);
    }
    if (batch && !allowsBatches(record.protocolVersion))
      return errorHttpResponse(errors.batchNotSupported(record.protocolVersion));
    this.#touch(record);
    for (const message of messages) {
      if (message.kind === "response") this.#answered(message.message);
      else if (message.kind === "notification") this.#notified(message.message);
    }
    const requests = messages.flatMap((m) => (m.kind === "request" ? [m.message] : []));
    if (requests.length === 0) return rpcResponses([], batch, format);

    const reply = await this.#reply(format, streamable);
    if (fallback?.forgotten) await this.#forgetUpstream(fallback.forgotten.server, fallback.forgotten.sessionId);
    this.ctx.waitUntil(this.#answerAll(record, caller, requests, batch, reply, fallback?.counted ?? false));
    return reply.response;
  }

  /**
   * What a Worker needs to answer this session's plain calls itself (http/session-calls.ts):
   * the upstream sessions it may borrow. Null when the session does not exist for this
   * identity. Asking counts as activity, so a session used only through the Worker stays alive.
   */
  async view(identity: Identity): Promise<SessionView | null> {
    const record = await this.#loadFor(identity);
    if (!record) return null;
    this.#touch(record);
    const upstreams = new Map<string, UpstreamSessionState>();
    for (const [server, slot] of await this.#loadSlots()) if (slot.state) upstreams.set(server, slot.state);
    return { upstreams };
  }

  /**
   * A tools/call the Worker sent on one of this session's upstream sessions, whose
   * upstream answers with an event stream: the rest is read here, where the client's
   * questions, progress, log messages, cancellation and stream resumption live.
   */
  async adopt(
    identity: Identity,
    caller: Caller,
    request: JsonRpcRequest,
    handOff: AdoptedCall,
    format: ResponseFormat,
    streamable: boolean,
  ): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) {
      await handOff.body.cancel().catch(() => undefined);
      return errorHttpResponse(errors.sessionNotFound());
    }
    this.#touch(record);
    const reply = await this.#reply(format, streamable);
    const answer = async () => {
      try {
        const snapshot = await configStore(this.env).current();
        const ctx = await this.#context(snapshot, record, caller, true);
        const response = await this.#answer(request, ctx, record, reply, (c) => continueCall(request, c, handOff));
        reply.finish(response ? [response] : [], false);
      } catch (error) {
        log("error", "session.post_failed", { reason: String(error) });
        reply.fail(errorHttpResponse(toGatewayError(error)));
      }
    };
    this.ctx.waitUntil(answer());
    return reply.response;
  }

  async #reply(format: ResponseFormat, streamable: boolean): Promise<Reply> {
    await this.#events.ready();
    return new Reply({
      format,
      streamable,
      openStream: () => {
        const stream = new RecordedStream(this.#events, this.#events.newStream());
        this.#live.set(stream.stream, stream);
        return stream;
      },
    });
  }

  async #answerAll(
    record: SessionRecord,
    caller: Caller,
    requests: JsonRpcRequest[],
    batch: boolean,
    reply: Reply,
    counted: boolean,
  ): Promise<void> {
    try {
      const snapshot = await configStore(this.env).current();
      const ctx = await this.#context(snapshot, record, caller, counted);
      const answers = await Promise.all(requests.map((request) => this.#answer(request, ctx, record, reply)));
      reply.finish(
        answers.filter((a) => a !== undefined),
        batch,
      );
    } catch (error) {
      log("error", "session.post_failed", { reason: String(error) });
      reply.fail(errorHttpResponse(toGatewayError(error)));
    } finally {
      for (const [stream, live] of this.#live) if (live.done) this.#live.delete(stream);
    }
  }

  /** One request, with its way back to the client; undefined when the client cancelled it. */
  async #answer(
    request: JsonRpcRequest,
    base: GatewayContext,
    record: SessionRecord,
    reply: Reply,
    run: (ctx: GatewayContext) => Promise<JsonRpcResponse> = (ctx) => route(request, ctx),
  ): Promise<JsonRpcResponse | undefined> {
    const key = JSON.stringify(request.id);
    const cancel = new AbortController();
    this.#inFlight.set(key, cancel);
    const channel: ClientChannel = {
      era: "legacy",
      capabilities: record.clientCapabilities,
      ...(record.logLevel !== undefined ? { logLevel: record.logLevel } : {}),
      notify: (notification) => reply.send(notification),
      ask: (method, params) => this.#ask(reply, method, params),
      signal: cancel.signal,
    };
    try {
      const response = await run({ ...base, channel });
      return cancel.signal.aborted ? undefined : response;
    } catch (error) {
      if (cancel.signal.aborted) return undefined;
      throw error;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Sends an upstream's question to the client on the request's stream; waits for the answer. */
  #ask(reply: Reply, method: string, params: Record<string, unknown>): Promise<ClientAnswer> {
    const id = `gw-ask-${crypto.randomUUID()}`;
    return new Promise<ClientAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.#asks.delete(id);
        resolve({ error: { code: -32001, message: `The client did not answer ${method} in time` } });
      }, ASK_TIMEOUT_MS);
      this.#asks.set(id, { resolve, timer });
      if (!reply.send({ jsonrpc: "2.0", id, method, params })) {
        clearTimeout(timer);
        this.#asks.delete(id);
        resolve({ error: { code: -32601, message: `The client cannot be asked for ${method}: it takes no streams` } });
      }
    });
  }

  /** The client's answer to a question the gateway relayed. */
  #answered(response: JsonRpcResponse): void {
    const id = typeof response.id === "string" ? response.id : "";
    const pending = this.#asks.get(id);
    if (!pending) return;
    this.#asks.delete(id);
    clearTimeout(pending.timer);
    pending.resolve("error" in response ? { error: response.error } : { result: response.result });
  }

  #notified(notification: JsonRpcNotification): void {
    if (notification.method !== "notifications/cancelled") return;
    const requestId = asRecord(notification.params)["requestId"];
    this.#inFlight.get(JSON.stringify(requestId as RequestId))?.abort();
  }

  /**
   * The session's server-to-client stream (GET). With Last-Event-ID, the stream that id
   * belongs to is replayed from there and, if still going, continued on this connection.
   */
  async stream(identity: Identity, lastEventId: string | null = null, caller?: Caller): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    this.#touch(record);
    await this.#events.ready();
    if (lastEventId !== null) {
      const missed = await this.#events.since(lastEventId);
      if (missed) {
        const live = this.#live.get(missed.stream);
        if (live) return live.resume(missed.events, lastEventId);
        const notifications = this.#notifications;
        if (notifications?.stream === missed.stream) {
          const resumed = notifications.resume(missed.events, lastEventId);
          // The client was away long enough for listening to stop: listen again.
          if (this.#listeners.length === 0)
            await this.#listen(record, notifications, caller ?? this.#listenCaller(record));
          return resumed;
        }
        return RecordedStream.replayFinished(this.#events, missed.stream, missed.events, lastEventId);
      }
    }
    this.#notifications?.close();
    this.#stopListening();
    const stream = new RecordedStream(this.#events, this.#events.newStream(), {}, () => this.#stopListening());
    this.#notifications = stream;
    await this.#listen(record, stream, caller ?? this.#listenCaller(record));
    return stream.response;
  }

  /** Listens to every visible upstream (up to the fetch limit) while the GET stream is open. */
  async #listen(record: SessionRecord, stream: RecordedStream, caller: Caller): Promise<void> {
    const snapshot = await configStore(this.env).current();
    const ctx = await this.#context(snapshot, record, caller);
    const channel: ClientChannel = {
      era: "legacy",
      capabilities: record.clientCapabilities,
      ...(record.logLevel !== undefined ? { logLevel: record.logLevel } : {}),
      notify: (notification) => (stream.send(notification), true),
    };
    const feed = new ChangeFeed(ctx, (notification) => stream.send(notification), undefined, channel);
    this.#feed = feed;
    this.ctx.waitUntil(feed.baseline().catch(() => undefined));
    const links = ctx.links.slice(0, MAX_UPSTREAM_FETCHES) as UpstreamLink[];
    if (ctx.links.length > links.length)
      log("warn", "session.listen_capped", { listening: links.length, upstreams: ctx.links.length });
    this.#listeners = links.map(
      (link) => new UpstreamListener(link, (notification) => void feed.receive(link.server.name, notification)),
    );
    for (const listener of this.#listeners) this.ctx.waitUntil(listener.start());
  }

  #listenCaller(record: SessionRecord): Caller {
    return { requestId: `listen:${record.id.slice(0, 8)}` };
  }

  #stopListening(): void {
    for (const listener of this.#listeners) listener.stop();
    this.#listeners = [];
    this.#feed = undefined;
  }

  /** DELETE: ends the session here and, best effort, upstream. */
  async end(identity: Identity): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    await this.#terminate("client");
    return new Response(null, { status: 204 });
  }

  override async alarm(): Promise<void> {
    const record = await this.#load();
    if (!record) return;
    const expiresAt = record.lastActiveAt + record.ttlSeconds * 1000;
    if (Date.now() >= expiresAt) await this.#terminate("idle");
    else await this.ctx.storage.setAlarm(expiresAt);
  }

  /** `counted`: the Worker already counted the request against the rate limits. */
  async #context(
    snapshot: ConfigSnapshot,
    record: SessionRecord,
    caller: Caller,
    counted = false,
  ): Promise<GatewayContext> {
    const slots = await this.#loadSlots();
    const limiter = new Limiter();
    const policy = policyFor(snapshot, record.identity);
    // Upstreams may ask this client only what it declared it can answer.
    const clientCapabilities = relayableCapabilities(record.clientCapabilities);
    // Upstreams the principal can see nothing of are never contacted for this session.
    const links = [...snapshot.servers.values()]
      .filter((server) => policy.decideServer(server.name).allowed)
      .map(
        (server) =>
          new UpstreamLink(server, this.#slot(slots, server.name), limiter, {
            clientCapabilities,
            background: (work) => this.ctx.waitUntil(work),
          }),
      );
    return {
      snapshot,
      links,
      policy,
      identity: record.identity,
      caller,
      observer: this.#observer,
      ...(counted ? {} : { rateGate: rateGateFor(this.env.RATE_LIMITER) }),
      setLogLevel: (level) => {
        record.logLevel = level;
        void this.ctx.storage.put(SESSION_KEY, record);
      },
      // A list change noticed during a call: the feed decides whether this client hears of it.
      onUpstreamNotification: (server, notification) => {
        if (this.#feed) void this.#feed.receive(server, notification);
        else for (const kind of kindsChangedBy(notification.method)) clearCatalog(server, kind);
      },
    };
  }

  async #discoverCapabilities(snapshot: ConfigSnapshot, caller: Caller): Promise<Record<string, unknown>> {
    const ctx = await this.#context(snapshot, this.#record!, caller);
    const known = new Map<string, Record<string, unknown>>();
    const opening = ctx.links.map(async (link) => {
      try {
        const state = await link.open();
        rememberCapabilities(link.server.fingerprint, state.capabilities);
        known.set(link.server.name, state.capabilities);
      } catch (error) {
        log("warn", "upstream.initialize_failed", { server: link.server.name, reason: toGatewayError(error).message });
      }
    });
    // Cancel the wait once every upstream answered: a pending timer keeps the object busy
    // (eviction and hibernation wait for it) for the full INITIALIZE_WAIT_MS.
    const wait = cancellableSleep(INITIALIZE_WAIT_MS);
    await Promise.race([Promise.all(opening), wait.done]).finally(wait.cancel);
    for (const link of ctx.links) {
      const remembered = known.has(link.server.name) ? undefined : rememberedCapabilities(link.server.fingerprint);
      if (remembered) known.set(link.server.name, remembered);
    }
    return advertisedCapabilities([...known.values()]);
  }

  async #terminate(reason: "client" | "idle"): Promise<void> {
    const record = this.#record;
    const snapshot = await configStore(this.env)
      .current()
      .catch(() => undefined);
    if (snapshot && record) {
      const ctx = await this.#context(snapshot, record, { requestId: `end:${record.id.slice(0, 8)}` });
      this.ctx.waitUntil(Promise.allSettled(ctx.links.map((link) => link.close())));
    }
    this.#stopListening();
    this.#notifications?.close();
    this.#notifications = undefined;
    for (const stream of this.#live.values()) stream.close();
    this.#live.clear();
    for (const controller of this.#inFlight.values()) controller.abort();
    this.#record = null;
    this.#slots = new Map();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    log("info", "session.ended", { session: record?.id.slice(0, 8), reason });
    if (record) this.#reportSession("ended");
  }

  #reportSession(event: "started" | "ended"): void {
    opsReport.session(event);
    flushOpsSoon(this.env, (p) => this.ctx.waitUntil(p));
  }

  /** The session, if it exists and belongs to this identity; to anyone else it does not exist. */
  async #loadFor(identity: Identity): Promise<SessionRecord | null> {
    const record = await this.#load();
    return record && sameIdentity(record.identity, identity) ? record : null;
  }

  async #load(): Promise<SessionRecord | null> {
    if (this.#record === undefined) {
      this.#record = (await this.ctx.storage.get<SessionRecord>(SESSION_KEY)) ?? null;
      this.#storedActiveAt = this.#record?.lastActiveAt ?? 0;
    }
    return this.#record;
  }

  #touch(record: SessionRecord): void {
    record.lastActiveAt = Date.now();
    if (record.lastActiveAt - this.#storedActiveAt < ACTIVITY_WRITE_INTERVAL_MS) return;
    this.#storedActiveAt = record.lastActiveAt;
    void this.ctx.storage.put(SESSION_KEY, record);
  }

  /** The upstream forgot this session's upstream session (the Worker found out): re-open it on next use. */
  async #forgetUpstream(server: string, sessionId: string): Promise<void> {
    const slot = (await this.#loadSlots()).get(server);
    if (slot?.state?.sessionId !== sessionId) return;
    slot.state = undefined;
    slot.save(undefined);
  }

  async #loadSlots(): Promise<Map<string, SessionSlot>> {
    if (this.#slots) return this.#slots;
    const stored = await this.ctx.storage.list<UpstreamSessionState>({ prefix: UPSTREAM_KEY_PREFIX });
    const slots = new Map<string, SessionSlot>();
    for (const [key, state] of stored) {
      const server = key.slice(UPSTREAM_KEY_PREFIX.length);
      slots.set(server, this.#newSlot(server, state));
    }
    this.#slots ??= slots;
    return this.#slots;
  }

  #slot(slots: Map<string, SessionSlot>, server: string): SessionSlot {
    let slot = slots.get(server);
    if (!slot) slots.set(server, (slot = this.#newSlot(server, undefined)));
    return slot;
  }

  #newSlot(server: string, state: UpstreamSessionState | undefined): SessionSlot {
    return {
      state,
      save: (next) => {
        if (this.#record === null) return;
        if (next) void this.ctx.storage.put(upstreamKey(server), next);
        else void this.ctx.storage.delete(upstreamKey(server));
      },
    };
  }
}

function cancellableSleep(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(timer) };
}
