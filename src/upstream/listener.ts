// Listens to what an upstream sends outside any call: notifications (list changes,
// resource updates, log messages) and, on a legacy upstream's GET stream, its own
// requests to the client (sampling, elicitation, roots), each answered at once by the
// listener's owner (relayed to the client, or refused), never left waiting. What it hears
// has the registration's secrets replaced, as every answer does (http-exchange.ts). A legacy
// upstream is heard on its session's GET stream, a current-era one through
// `subscriptions/listen`. Runs until stopped. A stream the upstream ends is reopened (after
// the `retry` it asked for, with `Last-Event-ID` so a legacy upstream can replay what was
// missed); one that cannot be opened is tried again with growing pauses, and after
// MAX_FAILURES in a row the listener gives up (`gaveUp`: its owner starts a new one when the
// session is next used). A refused stream (the upstream offers none) is left alone. An
// open stream is a fetch in flight: it holds a slot of the link's limiter while it lasts.
import { createParser } from "eventsource-parser";
import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest } from "../mcp/jsonrpc.js";
import { questionErrors } from "../mcp/questions.js";
import type { ClientAnswer } from "../mcp/questions.js";
import { META, modernRequestHeaders } from "../mcp/eras.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { log } from "../observe/log.js";
import type { UpstreamLink, UpstreamState } from "./upstream-link.js";
import { sleep } from "./deadline.js";
import { sessionForgotten } from "./http-exchange.js";
import { upstreamRequestId } from "./ids.js";

/** Streams that could not be opened, or ended with nothing heard, in a row before giving up. */
const MAX_FAILURES = 5;
const REOPEN_DELAY_MS = 1000;
/** A `retry` the upstream asks for is honoured within these bounds. */
const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 60_000;

/** How one stream went: heard something, ended with nothing, forgotten, or refused for good. */
type StreamOutcome = "heard" | "empty" | "forgotten" | "refused";

export interface ListenFilter {
  resourceSubscriptions?: string[];
}

/** What the listener's owner does with what the upstream sends. */
export interface Heard {
  notification(notification: JsonRpcNotification): void;
  /** The answer to the upstream's own request; without it, every request is refused. */
  question?(method: string, params: Record<string, unknown>): Promise<ClientAnswer>;
}

export class UpstreamListener {
  readonly #controller = new AbortController();
  readonly #heard: Heard;
  #gaveUp = false;
  /** The last event id the upstream gave on a legacy GET stream, sent back when reopening it. */
  #lastEventId: string | undefined;
  /** The pause before reopening that the upstream asked for (an SSE `retry` field). */
  #retryMs: number | undefined;

  constructor(
    private readonly link: UpstreamLink,
    heard: Heard | ((notification: JsonRpcNotification) => void),
    private readonly filter: ListenFilter = {},
  ) {
    this.#heard = typeof heard === "function" ? { notification: heard } : heard;
  }

  /** Runs in the background until stop(); never throws. */
  start(): Promise<void> {
    return this.#run().catch((error) => {
      if (!this.#controller.signal.aborted)
        log("warn", "upstream.listen_failed", { server: this.link.server.name, reason: String(error) });
    });
  }

  stop(): void {
    this.#controller.abort();
  }

  /** Whether it stopped after failing MAX_FAILURES times in a row (a new listener may do better later). */
  get gaveUp(): boolean {
    return this.#gaveUp;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    for (let failures = 0; !signal.aborted;) {
      const outcome = await this.#listenOnce().catch((error: unknown) => {
        if (!signal.aborted)
          log("info", "upstream.listen_dropped", { server: this.link.server.name, reason: String(error) });
        return "failed" as const;
      });
      if (outcome === "refused" || signal.aborted) return;
      failures = outcome === "heard" ? 0 : failures + 1;
      if (failures >= MAX_FAILURES) {
        this.#gaveUp = true;
        log("warn", "upstream.listen_gave_up", { server: this.link.server.name, failures });
        return;
      }
      await sleep(this.#retryMs ?? REOPEN_DELAY_MS * Math.max(1, failures), signal);
    }
  }

  /** One stream, from opening it to its end. */
  async #listenOnce(): Promise<StreamOutcome> {
    // Learned before taking a slot: initializing takes slots of its own.
    const state = await this.link.open();
    if (state.transport === "sse") return this.#hearChannel();
    return this.link.limiter.run(async () => {
      const response = await this.#open(state);
      if (state.sessionId !== undefined && (await sessionForgotten(this.link.server.name, response))) {
        // The upstream forgot the session: the next request re-initializes it.
        this.link.forgetSession();
        this.#lastEventId = undefined;
        await response.body?.cancel();
        return "forgotten";
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        if (response.status >= 500 || response.status === 429 || response.status === 408)
          throw new Error(`answered HTTP ${response.status}`);
        log("info", "upstream.listen_refused", { server: this.link.server.name, status: response.status });
        return "refused";
      }
      return (await this.#read(response.body, state)) ? "heard" : "empty";
    });
  }

  /**
   * An HTTP+SSE upstream has one stream for everything, held by the owner's channel: hear
   * what comes on it outside calls until it ends. No channel here (evicted or dropped):
   * the session is gone, and the next request opens a new one.
   */
  async #hearChannel(): Promise<StreamOutcome> {
    const channel = this.link.sseChannel;
    if (!channel) {
      this.link.forgetSession();
      return "forgotten";
    }
    const heard = this.#heard;
    const undo = channel.listen({
      notification: (notification) => heard.notification(notification),
      question: (method, params) => answerOf(heard, { jsonrpc: "2.0", id: 0, method, params }),
    });
    const stopped = new Promise<void>((resolve) =>
      this.#controller.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await Promise.race([channel.ended, stopped]);
    undo();
    return "heard";
  }

  async #answer(state: UpstreamState, request: JsonRpcRequest): Promise<void> {
    const answer = await answerOf(this.#heard, request);
    log("info", "upstream.question_answered", {
      server: this.link.server.name,
      method: request.method,
      outcome: "error" in answer ? "refused" : "answered",
    });
    await this.link.reply(state, request.id, answer);
  }

  async #open(state: UpstreamState): Promise<Response> {
    const signal = this.#controller.signal;
    if (state.era === "legacy") {
      const resume: Record<string, string> = this.#lastEventId ? { "last-event-id": this.#lastEventId } : {};
      return fetch(this.link.server.registration.url, {
        method: "GET",
        headers: { ...this.link.headers(state), ...resume, accept: "text/event-stream" },
        signal,
      });
    }
    const params = {
      notifications: {
        toolsListChanged: true,
        promptsListChanged: true,
        resourcesListChanged: true,
        ...(this.filter.resourceSubscriptions?.length
          ? { resourceSubscriptions: this.filter.resourceSubscriptions }
          : {}),
      },
      _meta: {
        [META.protocolVersion]: state.protocolVersion,
        [META.clientInfo]: GATEWAY_INFO,
        [META.clientCapabilities]: {},
      },
    };
    return fetch(this.link.server.registration.url, {
      method: "POST",
      headers: {
        ...this.link.server.headers,
        ...modernRequestHeaders("subscriptions/listen", params, state.protocolVersion),
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: upstreamRequestId("listen-"),
        method: "subscriptions/listen",
        params,
      }),
      signal,
    });
  }

  /** Reads one stream to its end: whether anything came on it (an event, even an empty one). */
  async #read(body: ReadableStream<Uint8Array>, state: UpstreamState): Promise<boolean> {
    let heard = false;
    const parser = createParser({
      onRetry: (ms) => (this.#retryMs = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms))),
      onEvent: (event) => {
        heard = true;
        if (event.id !== undefined && state.era === "legacy") this.#lastEventId = event.id;
        if (event.data === "") return;
        try {
          const forms = this.link.server.secretForms;
          const decoded: unknown = JSON.parse(event.data);
          const message = classifyMessage(forms ? forms.scrubJson(decoded) : decoded);
          if (message?.kind === "notification") this.#heard.notification(message.message);
          else if (message?.kind === "request") void this.#answer(state, message.message);
        } catch {
          // A malformed event is skipped; the stream goes on.
        }
      },
    });
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return heard;
        parser.feed(value);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
}

/** The upstream asked the client something outside any call: its owner answers, at once. */
async function answerOf(heard: Heard, request: JsonRpcRequest): Promise<ClientAnswer> {
  if (request.method === "ping") return { result: {} };
  if (!heard.question) return { error: questionErrors.noStream(request.method) };
  try {
    return await heard.question(request.method, request.params ?? {});
  } catch (error) {
    return { error: questionErrors.relayFailed(error instanceof Error ? error.message : "relay failed") };
  }
}
