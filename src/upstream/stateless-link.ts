// Links for current-era (stateless) clients, made per request in the Worker. A
// current-era upstream is called directly. A legacy upstream needs a session, which
// the client does not have: the call goes to the HeldUpstreamSession object of
// (agent, upstream), which holds that session and can suspend a call while the client
// answers the upstream's question.
import type { ResolvedServer } from "../config/snapshot.js";
import { errors, GatewayError, type PlainGatewayError } from "../mcp/errors.js";
import { asRecord, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { HELD_STATE_PREFIX, heldEvents } from "../session/held-events.js";
import type { HeldUpstreamSession } from "../session/held-upstream-session.js";
import { discover } from "./era.js";
import type { Limiter } from "./limiter.js";
import type { Link, RequestOptions, UpstreamState } from "./link.js";
import { UpstreamLink, type SessionSlot } from "./upstream-link.js";

/** Current-era upstreams' descriptions, per isolate: they have no session to keep. */
const modernSlots = new Map<string, SessionSlot>();

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
  ) {
    this.#direct = new UpstreamLink(server, modernSlot(server.name), limiter);
  }

  async open(): Promise<UpstreamState> {
    const found = await discover(this.server, this.limiter);
    if (found.era === "modern") return this.#direct.open();
    const described = (await this.#stub().describe(this.server.name)) as UpstreamState | { error: PlainGatewayError };
    if ("error" in described) throw GatewayError.revive(described.error);
    return described;
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
      stream = (await this.#stub().call(this.server.name, method, params, {
        owner: this.owner,
        token,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.clientCapabilities ? { clientCapabilities: options.clientCapabilities } : {}),
        ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
      })) as ReadableStream<Uint8Array>;
    }
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

  #stub() {
    return this.held.get(this.held.idFromName(`${this.agent}\n${this.server.name}`));
  }
}
