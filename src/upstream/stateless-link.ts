// Links for current-era (stateless) clients, made per request in the Worker. A
// current-era upstream is called directly. A legacy upstream needs a session, which
// the client does not have: the HeldUpstreamSession object of (agent, upstream) holds
// one and can suspend a call while the client answers the upstream's question.
//
// A client that can answer no question (it declared no sampling, elicitation or roots)
// never needs a call suspended: the Worker borrows the held session (its description
// is kept per isolate) and sends the request on it itself, relaying progress and log
// messages and refusing questions as the object would. Other clients' calls, and
// requests the Worker cannot send (no session yet, or the upstream forgot it), go to
// the object: a suspended call must outlive the request that started it, so only the
// object may hold its upstream stream.
import type { ResolvedServer } from "../config/snapshot.js";
import { errors, GatewayError, type PlainGatewayError } from "../mcp/errors.js";
import { asRecord, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { HELD_STATE_PREFIX, heldEvents, type HeldCallOptions } from "../session/held-events.js";
import { NotHere } from "./elsewhere.js";
import type { HeldUpstreamSession } from "../session/held-upstream-session.js";
import { discover } from "./era.js";
import type { Limiter } from "./limiter.js";
import type { Link, RequestOptions, UpstreamState } from "./link.js";
import { refusedQuestion, relayableCapabilities, UpstreamLink, type SessionSlot } from "./upstream-link.js";

/** Current-era upstreams' descriptions, per isolate: they have no session to keep. */
const modernSlots = new Map<string, SessionSlot>();
/** Held sessions' descriptions by `<agent>\n<server>`, per isolate, for the Worker to borrow. */
const heldStates = new Map<string, UpstreamState>();
const MAX_HELD_STATES = 10_000;
/** Streams are read where they were fetched: a borrowing Worker reads them itself. */
const handNothingOff = () => false;

function modernSlot(server: string): SessionSlot {
  let slot = modernSlots.get(server);
  if (!slot) modernSlots.set(server, (slot = { save: () => undefined }));
  return slot;
}

export class StatelessLink implements Link {
  readonly #direct: UpstreamLink;

  constructor(
    readonly server: ResolvedServer,
    private readonly limiter: Limiter,
    private readonly held: DurableObjectNamespace<HeldUpstreamSession>,
    /** The agent whose held sessions these are, and who may resume its suspended calls. */
    private readonly agent: string,
    private readonly owner: string,
    /** Keeps work that outlives the request alive (the Worker's waitUntil). */
    private readonly background?: (work: Promise<unknown>) => void,
  ) {
    this.#direct = new UpstreamLink(server, modernSlot(server.name), limiter);
  }

  async open(): Promise<UpstreamState> {
    const found = await discover(this.server, this.limiter);
    if (found.era === "modern") return this.#direct.open();
    return heldStates.get(this.#heldKey()) ?? this.#describeHeld();
  }

  async #describeHeld(): Promise<UpstreamState> {
    const described = (await this.#stub().describe(this.server.name)) as UpstreamState | { error: PlainGatewayError };
    if ("error" in described) throw GatewayError.revive(described.error);
    const key = this.#heldKey();
    heldStates.delete(key);
    if (heldStates.size >= MAX_HELD_STATES) heldStates.delete(heldStates.keys().next().value!);
    heldStates.set(key, described);
    return described;
  }

  /**
   * Sends the request on the held session from here, when nothing in it can need the held
   * object. Otherwise, or when nothing could be sent: what the object must know to send it
   * (the session the upstream forgot, if that was why).
   */
  async #sendBorrowed(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
  ): Promise<JsonRpcResponse | { forgotten?: string }> {
    const capabilities = options.clientCapabilities ?? {};
    if (Object.keys(relayableCapabilities(capabilities)).length > 0) return {};
    const key = this.#heldKey();
    const state = heldStates.get(key) ?? (await this.#describeHeld());
    const borrowed = new UpstreamLink(this.server, { state, save: () => undefined }, this.limiter, {
      borrowed: { handOff: handNothingOff, onExpired: () => heldStates.delete(key) },
      ...(this.background ? { background: this.background } : {}),
    });
    try {
      return await borrowed.request(method, params, {
        ...options,
        // This client can answer nothing: the refusal the held object would send.
        onRequest: async (question) => refusedQuestion(question, capabilities)!,
      });
    } catch (error) {
      if (!(error instanceof NotHere)) throw error;
      heldStates.delete(key);
      return error.forgotten ? { forgotten: error.forgotten.sessionId } : {};
    }
  }

  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions = {},
  ): Promise<JsonRpcResponse> {
    const found = await discover(this.server, this.limiter);
    if (found.era === "modern") return this.#direct.request(method, params, options);
    const requestState = params?.["requestState"];
    let stream: ReadableStream<Uint8Array>;
    let token: string;
    if (typeof requestState === "string" && requestState.startsWith(HELD_STATE_PREFIX)) {
      token = requestState;
      const resumed = (await this.#stub().resume(requestState, this.owner, asRecord(params?.["inputResponses"]))) as
        ReadableStream<Uint8Array> | { error: PlainGatewayError };
      if (!(resumed instanceof ReadableStream)) throw GatewayError.revive(resumed.error);
      stream = resumed;
    } else {
      token = `${HELD_STATE_PREFIX}${crypto.randomUUID()}`;
      const sent = await this.#sendBorrowed(method, params, options);
      if ("jsonrpc" in sent) return sent;
      stream = (await this.#stub().call(this.server.name, method, params, {
        ...this.#callOptions(options, token),
        ...(sent.forgotten !== undefined ? { forgotten: sent.forgotten } : {}),
      })) as ReadableStream<Uint8Array>;
    }
    return this.#readCancellable(stream, options, token);
  }

  #callOptions(options: RequestOptions, token: string): HeldCallOptions {
    return {
      owner: this.owner,
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
        .cancel(token, this.owner)
        .catch(() => undefined);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.#read(stream, options);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const found = await discover(this.server, this.limiter);
    if (found.era === "modern") await this.#direct.notify(method, params);
  }

  async close(): Promise<void> {
    // Held sessions outlive requests; nothing to end per request.
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
    return `${this.agent}\n${this.server.name}`;
  }

  #stub() {
    return this.held.get(this.held.idFromName(this.#heldKey()));
  }
}
