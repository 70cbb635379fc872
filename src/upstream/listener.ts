// Listens to what an upstream sends outside any call: notifications (list changes,
// resource updates, log messages) and, on a legacy upstream's GET stream, its own
// requests to the client (sampling, elicitation, roots), each answered at once by the
// listener's owner (relayed to the client, or refused), never left waiting. What it hears
// has the registration's secrets replaced, as every answer does (http-exchange.ts). A legacy
// upstream is heard on its session's GET stream, a current-era one through
// `subscriptions/listen`. Runs until stopped; a dropped stream is reopened a few times, a
// refused one is left alone (the upstream offers none). An open stream is a fetch in
// flight: it holds a slot of the link's limiter while it lasts.
import { createParser } from "eventsource-parser";
import { classifyMessage, type JsonRpcNotification, type JsonRpcRequest } from "../mcp/jsonrpc.js";
import { questionErrors } from "../mcp/questions.js";
import type { ClientAnswer } from "../mcp/questions.js";
import { META, modernRequestHeaders } from "../mcp/eras.js";
import { GATEWAY_INFO } from "../mcp/gateway-info.js";
import { log } from "../observe/log.js";
import type { UpstreamLink, UpstreamState } from "./upstream-link.js";
import { upstreamRequestId } from "./ids.js";

const MAX_REOPENS = 5;
const REOPEN_DELAY_MS = 1000;

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

  async #run(): Promise<void> {
    for (let attempt = 0; attempt <= MAX_REOPENS && !this.#controller.signal.aborted; attempt++) {
      if (attempt > 0) await sleep(REOPEN_DELAY_MS * attempt, this.#controller.signal);
      // Learned before taking a slot: initializing takes slots of its own.
      const state = await this.link.open();
      const outcome = await this.link.limiter.run(() => this.#listenOnce(state));
      if (outcome === "refused") return;
    }
  }

  /** One stream, from opening it to its end: "forgotten" when the upstream forgot the session. */
  async #listenOnce(state: UpstreamState): Promise<"ended" | "forgotten" | "refused"> {
    const response = await this.#open(state);
    if (response.status === 404) {
      // The upstream forgot the session: the next request re-initializes it.
      this.link.forgetSession();
      await response.body?.cancel();
      return "forgotten";
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      log("info", "upstream.listen_refused", { server: this.link.server.name, status: response.status });
      return "refused";
    }
    await this.#read(response.body, state);
    return "ended";
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
      return fetch(this.link.server.registration.url, {
        method: "GET",
        headers: { ...this.link.headers(state), accept: "text/event-stream" },
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

  async #read(body: ReadableStream<Uint8Array>, state: UpstreamState): Promise<void> {
    const parser = createParser({
      onEvent: (event) => {
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
        if (done) return;
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
