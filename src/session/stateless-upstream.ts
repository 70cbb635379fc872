// One upstream as the Worker reaches it for a 2026-07-28 (stateless) client. A
// current-era upstream is called directly (its description is kept per isolate). A legacy
// upstream needs a session the client cannot hold: the HeldUpstreamSession object of
// (agent, upstream) holds it. Where placement says so, the Worker borrows that session
// and sends the request itself; otherwise, or when the borrowed session cannot answer,
// the object sends it, and can keep it open while the client answers input_required.
import type { ResolvedServer } from "../config/snapshot.js";
import { errors, GatewayError, type PlainGatewayError } from "../mcp/errors.js";
import { questionErrors } from "../mcp/questions.js";
import { asRecord, type JsonRpcNotification, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { HELD_REQUEST_STATE_PREFIX } from "../mcp/gateway-info.js";
import { refusedQuestion } from "../mcp/questions.js";
import type { CallPlacement } from "../gateway/placement.js";
import { answered, type Sent, type Upstream } from "../gateway/upstreams.js";
import { discover, knownEra } from "../upstream/era.js";
import type { Limiter } from "../upstream/limiter.js";
import { UpstreamListener } from "../upstream/listener.js";
import type { RequestOptions, SessionSlot, UpstreamState } from "../upstream/link.js";
import { UpstreamLink } from "../upstream/upstream-link.js";
import { BorrowedSessions } from "./borrowed-sessions.js";
import { BorrowedUpstream } from "./borrowed-upstream.js";
import type { HeldUpstreamSession } from "./held-upstream-session.js";
import { heldEvents, type HeldCallOptions } from "./protocol.js";

/** An upstream being listened to. */
export interface Listening {
  /** Settles when listening ends. */
  done: Promise<void>;
  stop(): void;
}

/** Current-era upstreams' descriptions, per isolate: they have no session to keep. */
const modernSlots = new Map<string, SessionSlot>();
/** Held sessions' descriptions, by `<agent>\n<server>`, for the Worker to borrow. */
const heldSessions = new BorrowedSessions<UpstreamState>();

function modernSlot(server: string): SessionSlot {
  let slot = modernSlots.get(server);
  if (!slot) modernSlots.set(server, (slot = { save: () => undefined }));
  return slot;
}

export interface StatelessReach {
  held: DurableObjectNamespace<HeldUpstreamSession>;
  /** The agent whose held sessions these are. */
  agent: string;
  /** Who may resume or cancel the calls the held object suspends: the identity that made them. */
  owner: string;
  /** Keeps work that outlives the request alive (the Worker's waitUntil). */
  background: (work: Promise<unknown>) => void;
}

export class StatelessUpstream implements Upstream {
  readonly #direct: UpstreamLink;

  constructor(
    readonly server: ResolvedServer,
    private readonly limiter: Limiter,
    private readonly reach: StatelessReach,
  ) {
    this.#direct = new UpstreamLink(server, modernSlot(server.name), limiter, { background: reach.background });
  }

  get listScope(): string {
    return knownEra(this.server) === "modern" ? "shared" : `held:${this.reach.agent}`;
  }

  async facts() {
    const { era } = await discover(this.server, this.limiter);
    return { era, borrowable: era === "legacy" };
  }

  async describe(): Promise<UpstreamState> {
    const { era } = await discover(this.server, this.limiter);
    return era === "modern" ? this.#direct.open() : this.#heldState();
  }

  async fetch(method: string, params: Record<string, unknown> | undefined): Promise<Sent> {
    const { era } = await discover(this.server, this.limiter);
    if (era === "modern") return answered(await this.#direct.request(method, params));
    return this.send({ run: "borrowed", owner: "held-object" }, method, params ?? {}, {});
  }

  async send(
    placement: CallPlacement,
    method: string,
    params: Record<string, unknown>,
    options: RequestOptions,
  ): Promise<Sent> {
    if (placement.run === "here") return answered(await this.#direct.request(method, params, options));
    if (placement.run === "owner") return answered(await this.#callHeld(method, params, options));
    const held = await this.#heldState();
    // An HTTP+SSE upstream's answers come on the held object's event stream: it sends.
    if (held.transport === "sse") return answered(await this.#callHeld(method, params, options));
    const borrowed = new BorrowedUpstream(this.server, held, this.limiter, {
      background: this.reach.background,
      onForgotten: () => heldSessions.forget(this.#descriptionKey()),
      sessionOwner: `held:${this.reach.agent}`,
      handOverStreams: false,
    });
    // This client can be asked nothing (else placement had left the call to the object):
    // its refusal, as the held object would send it.
    const capabilities = options.clientCapabilities ?? {};
    const refuse = async (question: string) =>
      refusedQuestion(question, capabilities) ?? { error: questionErrors.notRelayed(question) };
    const sent = await borrowed.send(placement, method, params, { ...options, onRequest: refuse });
    if (sent.kind === "answered") return sent;
    // Nothing was sent: the description was stale, or the upstream forgot the session.
    heldSessions.forget(this.#descriptionKey());
    return answered(await this.#callHeld(method, params, options, sent.handOver.forgotten?.sessionId));
  }

  /**
   * Relays the upstream's notifications outside any call until stopped: a current-era
   * upstream's own `subscriptions/listen` (holding one of the invocation's connections), or
   * what the held session hears, for a legacy one (its list changes may concern the very
   * session this agent's calls use).
   */
  async listen(receive: (notification: JsonRpcNotification) => void, uris: string[]): Promise<Listening> {
    const { era } = await discover(this.server, this.limiter);
    if (era === "modern") {
      const listener = new UpstreamListener(this.#direct, receive, { resourceSubscriptions: uris });
      return { done: listener.start(), stop: () => listener.stop() };
    }
    const lines = (await this.#stub().listen(this.server.name)) as ReadableStream<Uint8Array>;
    for (const uri of uris) void this.fetch("resources/subscribe", { uri }).catch(() => undefined);
    return { done: readNotifications(lines, receive), stop: () => void lines.cancel().catch(() => undefined) };
  }

  /** The held session's description, borrowed from the object (which initializes it when needed). */
  async #heldState(): Promise<UpstreamState> {
    const state = await heldSessions.borrow(this.#descriptionKey(), this.reach.agent, async () => {
      const described = (await this.#stub().describe(this.server.name)) as UpstreamState | { error: PlainGatewayError };
      if ("error" in described) throw GatewayError.revive(described.error);
      return described;
    });
    if (!state) throw errors.internal();
    return state;
  }

  /** The held object sends the request (or resumes the call it suspended) and streams its events back. */
  async #callHeld(
    method: string,
    params: Record<string, unknown>,
    options: RequestOptions,
    forgotten?: string,
  ): Promise<JsonRpcResponse> {
    const requestState = params["requestState"];
    let token: string;
    let stream: ReadableStream<Uint8Array>;
    if (typeof requestState === "string" && requestState.startsWith(HELD_REQUEST_STATE_PREFIX)) {
      token = requestState;
      const resumed = (await this.#stub().resume(token, this.reach.owner, asRecord(params["inputResponses"]))) as
        ReadableStream<Uint8Array> | { error: PlainGatewayError };
      if (!(resumed instanceof ReadableStream)) throw GatewayError.revive(resumed.error);
      stream = resumed;
    } else {
      token = `${HELD_REQUEST_STATE_PREFIX}${crypto.randomUUID()}`;
      const held: HeldCallOptions = { ...this.#heldOptions(options, token), ...(forgotten ? { forgotten } : {}) };
      stream = (await this.#stub().call(this.server.name, method, params, held)) as ReadableStream<Uint8Array>;
    }
    return this.#readCancellable(stream, options, token);
  }

  #heldOptions(options: RequestOptions, token: string): HeldCallOptions {
    return {
      owner: this.reach.owner,
      token,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.clientCapabilities ? { clientCapabilities: options.clientCapabilities } : {}),
      ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    };
  }

  /** Reads a held call's stream; the client going away cancels the call in the held object. */
  async #readCancellable(
    stream: ReadableStream<Uint8Array>,
    options: RequestOptions,
    token: string,
  ): Promise<JsonRpcResponse> {
    const onAbort = () =>
      void this.#stub()
        .cancel(token, this.reach.owner)
        .catch(() => undefined);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.#read(stream, options);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The held call's lines: notifications relayed, then its answer or its question. */
  async #read(stream: ReadableStream<Uint8Array>, options: RequestOptions): Promise<JsonRpcResponse> {
    for await (const event of heldEvents(stream, options.signal)) {
      if ("notification" in event) options.onNotification?.(event.notification);
      else if ("response" in event) return event.response;
      else if ("error" in event) throw GatewayError.revive(event.error);
      else return { jsonrpc: "2.0", id: 0, result: { resultType: "input_required", ...event.inputRequired } };
    }
    if (options.signal?.aborted) throw errors.cancelled();
    throw errors.upstreamError(this.server.name, "the held session ended the call without an answer");
  }

  #heldKey(): string {
    return `${this.reach.agent}\n${this.server.name}`;
  }

  /** A description is of one registration: a changed URL or credential is described afresh. */
  #descriptionKey(): string {
    return `${this.#heldKey()}\n${this.server.fingerprint}`;
  }

  #stub() {
    return this.reach.held.get(this.reach.held.idFromName(this.#heldKey()));
  }
}

/** Notification lines from a held session, until its stream ends or is cancelled. */
async function readNotifications(
  lines: ReadableStream<Uint8Array>,
  receive: (notification: JsonRpcNotification) => void,
): Promise<void> {
  try {
    for await (const event of heldEvents(lines)) if ("notification" in event) receive(event.notification);
  } catch {
    // The client closed its stream: nothing more to relay.
  }
}
