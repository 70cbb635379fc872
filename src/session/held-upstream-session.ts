// HeldUpstreamSession: one Durable Object per (agent, legacy upstream), holding the
// upstream session that current-era (stateless) clients need but cannot hold. Its
// session id lives in storage (it survives eviction) and is re-initialized when the
// upstream forgets it.
//
// A call answers as a stream of lines (progress and log notifications, then the final
// response). When the upstream asks the client something mid-call (elicitation,
// sampling, roots), the answer is an `input_required` result whose `requestState` names
// the suspended call; the client's retry resumes it here with its `inputResponses`, and
// the upstream, which never stopped waiting, gets its answer. While the session is in
// use, or a client listens, its upstream is heard outside calls too (held-listening.ts).
import { DurableObject } from "cloudflare:workers";
import { configStore } from "../config/store.js";
import { errors, GatewayError, type PlainGatewayError } from "../mcp/errors.js";
import { asRecord, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { HELD_REQUEST_STATE_PREFIX } from "../mcp/gateway-info.js";
import { Limiter } from "../upstream/limiter.js";
import { SseChannels } from "../upstream/sse-channel.js";
import { UpstreamLink } from "../upstream/upstream-link.js";
import type { RequestOptions, SessionSlot, UpstreamState } from "../upstream/link.js";
import { upstreamKey } from "./storage-keys.js";
import { HeldCall } from "./held-call.js";
import { HELD_LISTEN_LEASE_MS, HeldListening } from "./held-listening.js";
import type { HeldCallOptions } from "./protocol.js";
import { log } from "../observe/log.js";
import { flushOpsSoon } from "../observe/observer.js";

/** Legacy upstreams held for current-era clients may ask for all three; each call checks. */
const DECLARED_TO_UPSTREAM = { sampling: {}, elicitation: {}, roots: { listChanged: false } };

export class HeldUpstreamSession extends DurableObject<Env> {
  #slot: SessionSlot | undefined;
  /** The upstream's event stream, when it speaks the HTTP+SSE transport (held while the object lives). */
  readonly #sse = new SseChannels();
  readonly #calls = new Map<string, HeldCall>();
  readonly #listening = new HeldListening((work) => this.ctx.waitUntil(work));

  /** The upstream's era and capabilities, initializing its session if needed. */
  async describe(server: string): Promise<UpstreamState | { error: PlainGatewayError }> {
    try {
      const link = await this.#link(server);
      const state = await link.open();
      this.#listening.keepFor(link, HELD_LISTEN_LEASE_MS);
      return state;
    } catch (error) {
      return { error: plainError(error) };
    }
  }

  /** Starts a call; its events (and its end, or its question) come as NDJSON lines. */
  async call(
    server: string,
    method: string,
    params: Record<string, unknown> | undefined,
    options: HeldCallOptions,
  ): Promise<ReadableStream<Uint8Array>> {
    return this.#run(server, options, async (link, callOptions) => {
      if (options.forgotten !== undefined) link.forgetSession(options.forgotten);
      this.#listening.keepFor(link, HELD_LISTEN_LEASE_MS);
      return link.request(method, params, callOptions);
    });
  }

  async #run(
    server: string,
    options: HeldCallOptions,
    send: (link: UpstreamLink, callOptions: RequestOptions) => Promise<JsonRpcResponse>,
  ): Promise<ReadableStream<Uint8Array>> {
    const token = options.token.startsWith(HELD_REQUEST_STATE_PREFIX)
      ? options.token
      : `${HELD_REQUEST_STATE_PREFIX}${options.token}`;
    const call = new HeldCall(token, options.owner, () => this.#calls.delete(token));
    this.#calls.set(token, call);
    const stream = call.attach();
    const run = async () => {
      const link = await this.#link(server);
      const response = await send(link, {
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
        signal: call.signal,
        onNotification: (notification) => call.emit({ notification }),
        onRequest: (requestMethod, requestParams) =>
          call.ask(requestMethod, requestParams, asRecord(options.clientCapabilities)),
      });
      call.finish({ response });
    };
    const reported = () => flushOpsSoon(this.env, (p) => this.ctx.waitUntil(p));
    this.ctx.waitUntil(
      run()
        .catch((error) => call.finish({ error: plainError(error) }))
        .finally(reported),
    );
    return stream;
  }

  /** The client went away: the upstream is told, unless the call only waits for input. */
  async cancel(token: string, owner: string): Promise<void> {
    const call = this.#calls.get(token);
    if (call && call.owner === owner) call.cancel();
  }

  /** The client's retry: answers the suspended question and continues the call's stream. */
  async resume(
    token: string,
    owner: string,
    inputResponses: Record<string, unknown>,
  ): Promise<ReadableStream<Uint8Array> | { error: PlainGatewayError }> {
    const call = this.#calls.get(token);
    if (!call || call.owner !== owner) {
      return {
        error: errors.invalidParams("requestState is unknown or expired; send the request again without it").toPlain(),
      };
    }
    const stream = call.attach();
    call.answer(inputResponses);
    return stream;
  }

  /**
   * The upstream's notifications on the held session (its list changes may be about this
   * very session), as NDJSON lines of notifications, for as long as the reader reads.
   * One upstream listener serves every reader.
   */
  async listen(server: string): Promise<ReadableStream<Uint8Array>> {
    return this.#listening.subscribe(await this.#link(server));
  }

  async #link(server: string): Promise<UpstreamLink> {
    const snapshot = await configStore(this.env).current();
    const resolved = snapshot.servers.get(server);
    if (!resolved) {
      const unusable = snapshot.unusable.get(server);
      if (unusable !== undefined) throw errors.invalidConfig(server, unusable);
      throw errors.serverUnavailable(server, "it is not registered (any more)");
    }
    if (!this.#slot) {
      const stored = await this.ctx.storage.get<UpstreamState>(upstreamKey(server));
      this.#slot = {
        state: stored,
        save: (next) => {
          if (next) void this.ctx.storage.put(upstreamKey(server), next);
          else void this.ctx.storage.delete(upstreamKey(server));
        },
      };
    }
    return new UpstreamLink(resolved, this.#slot, new Limiter(), {
      clientCapabilities: DECLARED_TO_UPSTREAM,
      background: (work) => this.ctx.waitUntil(work),
      sse: this.#sse,
    });
  }
}

function plainError(error: unknown): PlainGatewayError {
  if (error instanceof GatewayError) return error.toPlain();
  log("error", "held.call_failed", { reason: String(error) });
  return errors.internal().toPlain();
}
