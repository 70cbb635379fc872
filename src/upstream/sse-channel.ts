// The HTTP+SSE transport of the 2024-11-05 revision, still spoken by many remote servers:
// the client GETs an event stream, whose first `endpoint` event names where to POST its
// messages; every answer, notification and question of the server comes back on that one
// stream. A channel is that stream and its endpoint, held by the object that owns the
// upstream session (a McpSession or a HeldUpstreamSession) for as long as it lives; an
// answer finds its request by id, a progress notification its call by progress token.
// Other notifications go to the oldest call in flight, else to whoever listens; a
// question goes to the oldest call that can relay one, else to a listener, else it is
// refused at once. What is read has the registration's secrets replaced, as every answer
// does (http-exchange.ts). The endpoint must be on the registration's own origin: an
// upstream cannot send the gateway's credentials elsewhere.
import { createParser } from "eventsource-parser";
import type { ResolvedServer } from "../config/snapshot.js";
import { errors } from "../mcp/errors.js";
import {
  asRecord,
  classifyMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../mcp/questions.js";
import { Deadline } from "./deadline.js";
import { exchange, mediaType } from "./http-exchange.js";
import type { RequestOptions } from "./link.js";
import { questionAnswer } from "./question-answer.js";

/** Who hears what comes on the stream outside any call. */
export interface SseListener {
  notification(notification: JsonRpcNotification): void;
  question?(method: string, params: Record<string, unknown>): Promise<ClientAnswer>;
}

interface PendingCall {
  options: RequestOptions;
  progressToken: unknown;
  deadline: Deadline;
  settle(outcome: { response: JsonRpcResponse } | { error: unknown }): void;
}

export class SseChannel {
  readonly #calls = new Map<string, PendingCall>();
  readonly #listeners = new Set<SseListener>();
  /** Aborted by close(): the stream's connection is dropped. */
  readonly #abort = new AbortController();
  #ended = false;
  readonly ended: Promise<void>;

  private constructor(
    readonly server: ResolvedServer,
    /** Where messages are POSTed, as the stream's `endpoint` event named it. */
    readonly endpoint: string,
    reading: (channel: SseChannel) => Promise<void>,
  ) {
    this.ended = reading(this).finally(() => this.#end());
  }

  /** Opens the stream and waits (within the registration's timeout) for its endpoint. */
  static async open(server: ResolvedServer): Promise<SseChannel> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), server.timeoutMs);
    let response: Response;
    try {
      response = await fetch(server.registration.url, {
        method: "GET",
        headers: { ...server.headers, accept: "text/event-stream" },
        signal: controller.signal,
        redirect: "manual",
      });
    } catch {
      clearTimeout(timer);
      if (controller.signal.aborted) throw errors.timeout(server.name, server.timeoutMs);
      throw errors.serverUnavailable(server.name, "connection failed").markTransient();
    }
    if (!response.ok || !response.body || mediaType(response) !== "text/event-stream") {
      clearTimeout(timer);
      await response.body?.cancel();
      throw errors.upstreamError(server.name, `answered HTTP ${response.status} to the HTTP+SSE transport's GET`, {
        status: response.status,
      });
    }
    return SseChannel.#reading(server, response.body, controller, timer);
  }

  static #reading(
    server: ResolvedServer,
    body: ReadableStream<Uint8Array>,
    controller: AbortController,
    timer: ReturnType<typeof setTimeout>,
  ): Promise<SseChannel> {
    return new Promise((resolve, reject) => {
      let channel: SseChannel | undefined;
      const parser = createParser({
        onEvent(event) {
          if (event.event === "endpoint" && !channel) {
            clearTimeout(timer);
            const endpoint = endpointOf(server, event.data);
            if (!endpoint) {
              controller.abort();
              return reject(errors.upstreamError(server.name, "named a message endpoint on another origin"));
            }
            channel = new SseChannel(server, endpoint, (c) => c.#read(reader, parser, controller));
            return resolve(channel);
          }
          if (channel && (event.event === undefined || event.event === "message")) channel.#received(event.data);
        },
      });
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      const firstEvents = async () => {
        while (!channel) {
          const { done, value } = await reader.read();
          if (done) throw errors.upstreamError(server.name, "closed its event stream before naming an endpoint");
          parser.feed(value);
        }
      };
      firstEvents().catch((error: unknown) => {
        clearTimeout(timer);
        reject(controller.signal.aborted ? errors.timeout(server.name, server.timeoutMs) : error);
      });
    });
  }

  get open(): boolean {
    return !this.#ended;
  }

  /** Sends a request and waits for its answer on the stream. */
  request(body: JsonRpcRequest & { id: string }, options: RequestOptions): Promise<JsonRpcResponse> {
    if (this.#ended) return Promise.reject(this.#closedError());
    const timeoutMs = options.timeoutMs ?? this.server.timeoutMs;
    const answer = new Promise<JsonRpcResponse>((resolve, reject) => {
      const deadline = new Deadline(timeoutMs, () => done({ error: errors.timeout(this.server.name, timeoutMs) }));
      const onAbort = () => done({ error: errors.cancelled() });
      const done = (outcome: { response: JsonRpcResponse } | { error: unknown }) => {
        if (!this.#calls.delete(body.id)) return;
        deadline.clear();
        options.signal?.removeEventListener("abort", onAbort);
        if ("response" in outcome) resolve(outcome.response);
        else reject(outcome.error);
      };
      const progressToken = asRecord(body.params?.["_meta"])["progressToken"];
      this.#calls.set(body.id, { options, progressToken, deadline, settle: done });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    this.post(body).catch((error: unknown) => this.#calls.get(body.id)?.settle({ error }));
    return answer;
  }

  /** POSTs one message (a notification, or the answer to the upstream's question) to the endpoint. */
  async post(body: Record<string, unknown>): Promise<void> {
    const outcome = await exchange(
      {
        server: this.server.name,
        url: this.endpoint,
        headers: { ...this.server.headers },
        body,
        timeoutMs: this.server.timeoutMs,
        breaker: this.server.breaker,
        secretForms: this.server.secretForms,
      },
      null,
      null,
    );
    if (outcome.kind === "session-expired") throw this.#closedError();
  }

  /** Hears what comes outside any call until the returned undo, or the stream's end. */
  listen(listener: SseListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#abort.abort();
  }

  async #read(
    reader: ReadableStreamDefaultReader<string>,
    parser: ReturnType<typeof createParser>,
    connection: AbortController,
  ): Promise<void> {
    const stop = () => connection.abort();
    this.#abort.signal.addEventListener("abort", stop, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(value);
      }
    } catch {
      // The connection dropped, or the channel was closed: the end is the same.
    } finally {
      this.#abort.signal.removeEventListener("abort", stop);
      await reader.cancel().catch(() => undefined);
    }
  }

  #received(data: string): void {
    let decoded: unknown;
    try {
      decoded = JSON.parse(data);
    } catch {
      return; // A malformed event is skipped; the stream goes on.
    }
    const forms = this.server.secretForms;
    const message = classifyMessage(forms ? forms.scrubJson(decoded) : decoded);
    if (message?.kind === "response") this.#answered(message.message);
    else if (message?.kind === "notification") this.#notified(message.message);
    else if (message?.kind === "request") void this.#asked(message.message);
  }

  #answered(response: JsonRpcResponse): void {
    if (typeof response.id !== "string") return;
    this.#calls.get(response.id)?.settle({ response });
  }

  #notified(notification: JsonRpcNotification): void {
    if (notification.method === "notifications/progress") {
      const token = asRecord(notification.params)["progressToken"];
      for (const call of this.#calls.values()) {
        if (call.progressToken === undefined || call.progressToken !== token) continue;
        call.deadline.restart();
        return call.options.onNotification?.(notification);
      }
      return;
    }
    const call = [...this.#calls.values()].find((c) => c.options.onNotification);
    if (call) return call.options.onNotification!(notification);
    for (const listener of this.#listeners) listener.notification(notification);
  }

  async #asked(request: JsonRpcRequest & { id: RequestId }): Promise<void> {
    const call = [...this.#calls.values()].find((c) => c.options.onRequest);
    let answer: Promise<ClientAnswer>;
    if (call) {
      answer = questionAnswer(request, call.options);
      call.deadline.hold(answer);
    } else {
      const listener = [...this.#listeners].find((l) => l.question);
      answer = questionAnswer(request, listener?.question ? { onRequest: listener.question } : {});
    }
    const body = { jsonrpc: "2.0", id: request.id, ...(await answer) };
    await this.post(body).catch(() => undefined);
  }

  #end(): void {
    this.#ended = true;
    for (const call of [...this.#calls.values()]) call.settle({ error: this.#closedError() });
  }

  #closedError() {
    return errors.upstreamError(this.server.name, "closed its HTTP+SSE event stream").markTransient();
  }
}

/** The message endpoint an `endpoint` event names, resolved against the stream's URL; only on the same origin. */
function endpointOf(server: ResolvedServer, data: string): string | undefined {
  try {
    const base = new URL(server.registration.url);
    const endpoint = new URL(data.trim(), base);
    return endpoint.origin === base.origin ? endpoint.href : undefined;
  } catch {
    return undefined;
  }
}

/** The HTTP+SSE channels one object holds: one per upstream registration, for as long as it lives. */
export class SseChannels {
  readonly #channels = new Map<string, SseChannel>();

  /** The open channel to this registration (as it is now), if any. */
  get(server: ResolvedServer): SseChannel | undefined {
    const channel = this.#channels.get(server.name);
    return channel?.open && channel.server.fingerprint === server.fingerprint ? channel : undefined;
  }

  /** A new channel to this registration, replacing (and closing) any earlier one. */
  async open(server: ResolvedServer): Promise<SseChannel> {
    this.close(server.name);
    const channel = await SseChannel.open(server);
    this.#channels.set(server.name, channel);
    return channel;
  }

  close(server: string): void {
    this.#channels.get(server)?.close();
    this.#channels.delete(server);
  }
}
