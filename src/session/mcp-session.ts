// McpSession: one Durable Object per legacy (2025-era) client session. It holds what
// must survive eviction in its storage (negotiated version, client capabilities,
// upstream session ids), answers the session's requests through the gateway router,
// keeps its GET streams open, and ends itself after the configured idle time.
// The Worker has already checked headers, size and JSON-RPC shape before calling it.
import { DurableObject } from "cloudflare:workers";
import { configStore } from "../config/store.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import {
  allowsBatches,
  isSupportedLegacyVersion,
  LEGACY_PROTOCOL_VERSIONS,
  negotiateVersion,
} from "../mcp/versions.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { route, type GatewayContext } from "../gateway/router.js";
import { rememberCapabilities, rememberedCapabilities, unionCapabilities } from "../gateway/capabilities.js";
import { Limiter } from "../upstream/limiter.js";
import { UpstreamLink, type SessionSlot, type UpstreamSessionState } from "../upstream/upstream-link.js";
import {
  errorHttpResponse,
  rpcResponses,
  SESSION_HEADER,
  toGatewayError,
  type ResponseFormat,
} from "../http/responses.js";
import { SESSION_KEY, UPSTREAM_KEY_PREFIX, upstreamKey } from "./storage-keys.js";
import { openEventStream, type EventStream } from "./event-stream.js";
import { log } from "../observe/log.js";
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

/** How long initialize waits for upstreams to describe themselves before answering. */
const INITIALIZE_WAIT_MS = 3000;
/** Activity is written to storage at most this often; eviction can lose at most this much. */
const ACTIVITY_WRITE_INTERVAL_MS = 60_000;

export class McpSession extends DurableObject<Env> {
  #record: SessionRecord | null | undefined;
  #storedActiveAt = 0;
  #slots: Map<string, SessionSlot> | undefined;
  readonly #streams = new Set<EventStream>();

  /** Starts the session: called by the Worker with a fresh, unguessable id. */
  async initialize(
    sessionId: string,
    request: JsonRpcRequest,
    format: ResponseFormat,
    identity: Identity,
    caller: Caller,
  ): Promise<Response> {
    const snapshot = await configStore(this.env).current();
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
  ): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    if (headerVersion !== null && !isSupportedLegacyVersion(headerVersion)) {
      return errorHttpResponse(errors.unsupportedProtocolVersion(headerVersion, LEGACY_PROTOCOL_VERSIONS));
    }
    if (batch && !allowsBatches(record.protocolVersion))
      return errorHttpResponse(errors.batchNotSupported(record.protocolVersion));
    this.#touch(record);
    try {
      const snapshot = await configStore(this.env).current();
      const ctx = await this.#context(snapshot, record, caller);
      const answers = await Promise.all(messages.map((m) => this.#answer(m, ctx)));
      return rpcResponses(
        answers.filter((a) => a !== undefined),
        batch,
        format,
      );
    } catch (error) {
      log("error", "session.post_failed", { reason: String(error) });
      return errorHttpResponse(toGatewayError(error));
    }
  }

  /** The session's server-to-client stream (GET). */
  async stream(identity: Identity): Promise<Response> {
    const record = await this.#loadFor(identity);
    if (!record) return errorHttpResponse(errors.sessionNotFound());
    this.#touch(record);
    const stream = openEventStream(() => this.#streams.delete(stream));
    this.#streams.add(stream);
    return stream.response;
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

  async #answer(message: JsonRpcMessage, ctx: GatewayContext): Promise<JsonRpcResponse | undefined> {
    if (message.kind !== "request") return undefined;
    return route(message.message, ctx);
  }

  async #context(snapshot: ConfigSnapshot, record: SessionRecord, caller: Caller): Promise<GatewayContext> {
    const slots = await this.#loadSlots();
    const limiter = new Limiter();
    const policy = policyFor(snapshot, record.identity);
    // Upstreams the principal can see nothing of are never contacted for this session.
    const links = [...snapshot.servers.values()]
      .filter((server) => policy.decideServer(server.name).allowed)
      .map((server) => new UpstreamLink(server, this.#slot(slots, server.name), limiter));
    return {
      snapshot,
      links,
      policy,
      identity: record.identity,
      caller,
      setLogLevel: (level) => {
        record.logLevel = level;
        void this.ctx.storage.put(SESSION_KEY, record);
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
    return unionCapabilities([...known.values()]);
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
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
    this.#record = null;
    this.#slots = new Map();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    log("info", "session.ended", { session: record?.id.slice(0, 8), reason });
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
