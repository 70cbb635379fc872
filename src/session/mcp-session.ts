// McpSession: one Durable Object per legacy (2025-era) client session. It holds what
// must survive eviction in its storage (the session record, its upstream sessions, recent
// stream events), answers the session's requests through the call pipeline, lends its
// upstream sessions to the Worker (which answers plain calls itself, worker-legacy.ts),
// takes over what the Worker hands it, and ends itself after the configured idle time.
// It holds a place among its agent's sessions from start to end (session-cap.ts).
//
// While a request is in flight, its answer becomes an event stream as soon as something
// must reach the client first: progress, log messages, an upstream's question (whose
// answer the client POSTs back here). Streams are recorded for Last-Event-ID, and the GET
// stream relays what changes for this client (session-streams.ts).
// The Worker has already checked headers, size and JSON-RPC shape before calling it.
import { DurableObject } from "cloudflare:workers";
import { effectiveAgent, type Caller, type Identity } from "../auth/principal.js";
import { configStore } from "../config/store.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  errorResponse,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from "../mcp/jsonrpc.js";
import { canBeAsked } from "../mcp/questions.js";
import { allowsBatches, isSupportedLegacyVersion, LEGACY_PROTOCOL_VERSIONS } from "../mcp/versions.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { forgetListScope } from "../gateway/catalog.js";
import { openChannel, type ClientChannel } from "../gateway/client-channel.js";
import { countUnrouted } from "../gateway/call.js";
import type { CallContext } from "../gateway/context.js";
import { finishHandedCall } from "../gateway/forward.js";
import { OwnedUpstream } from "../gateway/owned-upstreams.js";
import { answerWith, callFor, route } from "../gateway/router.js";
import type { HandOver } from "../gateway/upstreams.js";
import { log } from "../observe/log.js";
import { flushOpsSoon, observerFor } from "../observe/observer.js";
import { opsReport } from "../observe/ops-report.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";
import type { Reply } from "../wire/reply.js";
import {
  errorHttpResponse,
  rpcResponses,
  SESSION_HEADER,
  toGatewayError,
  type ResponseFormat,
} from "../wire/responses.js";
import { describeAtInitialize } from "./capabilities-at-initialize.js";
import { admitSession, releaseSession, renewSession } from "./session-cap.js";
import { ClientQuestions } from "./client-questions.js";
import type { HandedCall, SessionView } from "./protocol.js";
import { clientFactsOf, newRecord, SessionRecords, type SessionRecord } from "./session-record.js";
import { SessionCancels } from "./session-cancels.js";
import { SessionListening, LISTEN_LEASE_MS } from "./session-listening.js";
import { SessionStreams } from "./session-streams.js";
import { sessionContext, type SessionParts } from "./session-context.js";
import { RootsChanges, ROOTS_CHANGED } from "./roots-changes.js";
import { TaskBook } from "./task-book.js";
import { UpstreamSlots } from "./upstream-slots.js";

export type { SessionRecord } from "./session-record.js";

export class McpSession extends DurableObject<Env> {
  readonly #records = new SessionRecords(this.ctx.storage, (record) =>
    this.ctx.waitUntil(renewSession(this.env, record)),
  );
  readonly #slots = new UpstreamSlots(this.ctx.storage);
  readonly #streams = new SessionStreams(this.ctx.storage);
  readonly #roots = new RootsChanges(this.ctx.storage);
  readonly #tasks = new TaskBook(this.ctx.storage);
  readonly #questions = new ClientQuestions((method, server) => this.#roots.asked(method, server));
  readonly #listening = new SessionListening(
    () => this.#listenContext(),
    this.#questions,
    (work) => this.ctx.waitUntil(work),
    (onChange) => configStore(this.env).watch(onChange),
  );
  /** What notifications/cancelled can stop: requests run here, and Workers' calls (session-cancels.ts). */
  readonly #cancels = new SessionCancels();
  readonly #parts: SessionParts = {
    env: this.env,
    records: this.#records,
    slots: this.#slots,
    observer: observerFor(this.env, (p) => this.ctx.waitUntil(p)),
    background: (work) => this.ctx.waitUntil(work),
    feed: () => this.#listening.feed,
    tasks: this.#tasks,
  };

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
      await countUnrouted(request, { snapshot, identity, rateGate: rateGateFor(this.env.RATE_LIMITER) });
    } catch (error) {
      return rpcResponses([errorResponse(request.id, toGatewayError(error).toJsonRpc())], false, format);
    }
    const record = newRecord(sessionId, request, identity, snapshot.settings.sessionTtlSeconds);
    // A session the agent may not hold stores nothing.
    try {
      await admitSession(this.env, record, snapshot.settings.maxSessionsPerAgent);
    } catch (error) {
      return errorHttpResponse(toGatewayError(error), request.id);
    }
    await this.#records.start(record);
    const ctx = await this.#context(snapshot, record, caller);
    const { capabilities, instructions } = await describeAtInitialize(ctx);
    const result = {
      protocolVersion: record.protocolVersion,
      capabilities,
      serverInfo: GATEWAY_INFO,
      ...(instructions !== undefined ? { instructions } : {}),
    };
    this.#inUse(record);
    log("info", "session.initialized", { session: sessionId.slice(0, 8), protocolVersion: record.protocolVersion });
    this.#reportSession("started", record);
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
    /** A request the Worker started and hands over (worker-legacy.ts). */
    handOver?: HandOver,
  ): Promise<Response> {
    const record = await this.#records.loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    if (headerVersion !== null && !isSupportedLegacyVersion(headerVersion)) {
      const only = !batch && messages[0]?.kind === "request" ? messages[0].message.id : null;
      return errorHttpResponse(errors.unsupportedProtocolVersion(headerVersion, LEGACY_PROTOCOL_VERSIONS), only);
    }
    if (batch && !allowsBatches(record.protocolVersion))
      return errorHttpResponse(errors.batchNotSupported(record.protocolVersion));
    this.#inUse(record);
    for (const message of messages) {
      if (message.kind === "response") this.#questions.answered(message.message);
      else if (message.kind === "notification" && message.message.method === "notifications/cancelled")
        this.#cancels.cancel(asRecord(message.message.params)["requestId"] as RequestId);
      else if (message.kind === "notification" && message.message.method === ROOTS_CHANGED)
        this.ctx.waitUntil(
          this.#context(await configStore(this.env).current(), record, caller).then((c) => this.#roots.forward(c)),
        );
    }
    const requests = messages.flatMap((m) => (m.kind === "request" ? [m.message] : []));
    if (requests.length === 0) return rpcResponses([], batch, format);

    const reply = await this.#streams.reply(format, streamable);
    if (handOver?.forgotten) await this.#slots.forget(handOver.forgotten.server, handOver.forgotten.sessionId);
    const answers = async (ctx: CallContext) =>
      Promise.all(requests.map((request) => this.#answer(request, ctx, record, reply, handOver)));
    this.ctx.waitUntil(this.#replyWith(reply, batch, record, caller, answers));
    return reply.response;
  }

  /**
   * What a Worker needs to answer this session's plain calls itself: the upstream sessions
   * it may borrow, and what the client declared. Null when the session does not exist for
   * this identity. Asking counts as activity, so a session used only through the Worker
   * stays alive.
   */
  async view(identity: Identity): Promise<SessionView | null> {
    const record = await this.#records.loadFor(identity);
    if (!record) return null;
    this.#inUse(record);
    const slots = await this.#slots.ready();
    return { upstreams: await slots.states(), client: clientFactsOf(record) };
  }

  /**
   * A call the Worker sent on one of this session's upstream sessions, whose upstream
   * answers with an event stream: the rest is read here, where the client's questions,
   * progress, log messages, cancellation and stream resumption live.
   */
  async adopt(
    identity: Identity,
    caller: Caller,
    request: JsonRpcRequest,
    handed: HandedCall,
    format: ResponseFormat,
    streamable: boolean,
  ): Promise<Response> {
    const record = await this.#records.loadFor(identity);
    if (!record) {
      await handed.stream.body.cancel().catch(() => undefined);
      return errorHttpResponse(errors.sessionNotFound());
    }
    this.#inUse(record);
    const reply = await this.#streams.reply(format, streamable);
    const finish = async (ctx: CallContext) => [await this.#finish(request, ctx, record, reply, handed)];
    this.ctx.waitUntil(this.#replyWith(reply, false, record, caller, finish));
    return reply.response;
  }

  /** A Worker's long call: true once its client cancels it (from any isolate), false once released. */
  async watchCancel(identity: Identity, requestId: RequestId): Promise<boolean> {
    if (!(await this.#records.loadFor(identity))) return false;
    return this.#cancels.watch(requestId);
  }

  async releaseCancel(identity: Identity, requestId: RequestId): Promise<void> {
    if (await this.#records.loadFor(identity)) this.#cancels.release(requestId);
  }

  /** A task-augmented call the Worker relayed created a task: which tool it runs (task-book.ts). */
  async rememberTask(identity: Identity, server: string, taskId: string, tool: string): Promise<void> {
    if (await this.#records.loadFor(identity)) this.#tasks.remember(server, taskId, tool);
  }

  /** The session's server-to-client stream (GET), or the rest of a lost one (Last-Event-ID). */
  async stream(identity: Identity, lastEventId: string | null = null): Promise<Response> {
    const record = await this.#records.loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    this.#records.touch(record);
    return this.#streams.open(lastEventId, {
      opened: (stream) => this.#listening.hear(stream),
      closed: (stream) => this.#listening.unhear(stream),
      hearing: (stream) => this.#listening.hears(stream),
    });
  }

  /**
   * Activity: it keeps the session alive, and, for a client that could be asked something,
   * the upstreams heard (an upstream's question outside a call is then answered at once).
   */
  #inUse(record: SessionRecord): void {
    this.#records.touch(record);
    if (canBeAsked(record.clientCapabilities)) this.#listening.keepFor(LISTEN_LEASE_MS);
  }

  /** How the upstreams are heard outside calls: on the session's own upstream sessions. */
  async #listenContext(): Promise<CallContext> {
    const record = this.#records.current;
    if (!record) throw new Error("the session ended");
    const caller = { requestId: `listen:${record.id.slice(0, 8)}` };
    return this.#context(await configStore(this.env).current(), record, caller);
  }

  /** DELETE: ends the session here and, best effort, upstream. */
  async end(identity: Identity): Promise<Response> {
    const record = await this.#records.loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    await this.#terminate("client");
    return new Response(null, { status: 204 });
  }

  override async alarm(): Promise<void> {
    const record = await this.#records.load();
    if (!record) return;
    const expiresAt = record.lastActiveAt + record.ttlSeconds * 1000;
    if (Date.now() >= expiresAt) await this.#terminate("idle");
    else await this.ctx.storage.setAlarm(expiresAt);
  }

  /** Answers a POST's requests (or finishes a handed-over one) into its reply. */
  async #replyWith(
    reply: Reply,
    batch: boolean,
    record: SessionRecord,
    caller: Caller,
    answers: (ctx: CallContext) => Promise<Array<JsonRpcResponse | undefined>>,
  ): Promise<void> {
    try {
      const ctx = await this.#context(await configStore(this.env).current(), record, caller);
      const answered = await answers(ctx);
      reply.finish(
        answered.filter((a) => a !== undefined),
        batch,
      );
    } catch (error) {
      log("error", "session.post_failed", { reason: String(error) });
      reply.fail(errorHttpResponse(toGatewayError(error)));
    } finally {
      this.#streams.sweep();
    }
  }

  /** One request, with its way back to the client; undefined when the client cancelled it. */
  async #answer(
    request: JsonRpcRequest,
    ctx: CallContext,
    record: SessionRecord,
    reply: Reply,
    handOver: HandOver | undefined,
  ): Promise<JsonRpcResponse | undefined> {
    return this.#cancellable(request, record, reply, async (channel) => {
      const routed = await route(request, ctx, {
        channel,
        counted: handOver?.counted ?? false,
        handedFrom: handOver?.traceparent,
      });
      // Nothing is handed over from where every upstream session is owned.
      if (routed.kind === "handed-over") throw new Error("the session object handed a request over");
      return routed.response;
    });
  }

  /** Reads the rest of a call the Worker handed over, and records it like any call. */
  async #finish(
    request: JsonRpcRequest,
    ctx: CallContext,
    record: SessionRecord,
    reply: Reply,
    handed: HandedCall,
  ): Promise<JsonRpcResponse | undefined> {
    return this.#cancellable(request, record, reply, (channel) => {
      const call = callFor(request, ctx, { channel, counted: true, handedFrom: handed.traceparent });
      const server = handed.stream.server;
      const upstream = ctx.upstreams.find(
        (u): u is OwnedUpstream => u instanceof OwnedUpstream && u.server.name === server,
      );
      return answerWith(call, async () => {
        if (!upstream) throw errors.serverUnavailable(server, "it is not registered (any more)");
        return finishHandedCall(call, upstream, handed, (options) =>
          upstream.link.readHandedStream(handed.stream, options),
        );
      }).catch(async (error: unknown) => {
        await handed.stream.body.cancel().catch(() => undefined);
        throw error;
      });
    });
  }

  /** Runs one request with a channel back to its client that notifications/cancelled can abort. */
  async #cancellable(
    request: JsonRpcRequest,
    record: SessionRecord,
    reply: Reply,
    run: (channel: ClientChannel) => Promise<JsonRpcResponse>,
  ): Promise<JsonRpcResponse | undefined> {
    const cancel = this.#cancels.start(request.id);
    const channel = openChannel(clientFactsOf(record), {
      notify: (notification) => reply.send(notification),
      ask: (method, params, server) => this.#questions.ask(reply, method, params, server),
      signal: cancel.signal,
    });
    try {
      const response = await run(channel);
      return cancel.signal.aborted ? undefined : response;
    } catch (error) {
      if (cancel.signal.aborted) return undefined;
      throw error;
    } finally {
      this.#cancels.finish(request.id, cancel);
    }
  }

  /** How this session's requests are answered: on its own upstream sessions, with its client's facts. */
  #context(snapshot: ConfigSnapshot, record: SessionRecord, caller: Caller): Promise<CallContext> {
    return sessionContext(this.#parts, snapshot, record, caller);
  }

  async #terminate(reason: "client" | "idle"): Promise<void> {
    const record = this.#records.current;
    const snapshot = await configStore(this.env)
      .current()
      .catch(() => undefined);
    if (snapshot && record) {
      const ctx = await this.#context(snapshot, record, { requestId: `end:${record.id.slice(0, 8)}` });
      const owned = ctx.upstreams.filter((u): u is OwnedUpstream => u instanceof OwnedUpstream);
      this.ctx.waitUntil(Promise.allSettled(owned.map(({ link }) => link.close())));
    }
    this.#listening.stop();
    this.#streams.close();
    if (record) forgetListScope(`session:${record.id}`);
    this.#cancels.stopAll();
    this.#records.ended();
    this.#slots.end();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    log("info", "session.ended", { session: record?.id.slice(0, 8), reason });
    if (record) {
      await releaseSession(this.env, record);
      this.#reportSession("ended", record);
    }
  }

  #reportSession(event: "started" | "ended", record: SessionRecord): void {
    opsReport.session(event, effectiveAgent(record.identity));
    flushOpsSoon(this.env, (p) => this.ctx.waitUntil(p));
  }
}
