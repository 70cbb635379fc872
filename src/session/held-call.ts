// A call a HeldUpstreamSession runs for a 2026-07-28 client: its events stream to the
// Worker as NDJSON lines, and it can be suspended while the client answers the upstream's
// question (the client's retry attaches a new reader and brings the answer).
import { type PlainGatewayError } from "../mcp/errors.js";
import { questionErrors } from "../mcp/questions.js";
import type { JsonRpcResponse } from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../mcp/questions.js";
import { refusedQuestion } from "../mcp/questions.js";
import { heldLine, type HeldEvent } from "./protocol.js";

/** A suspended call whose client never comes back gives up after this. */
const SUSPEND_TIMEOUT_MS = 300_000;

/** A call in flight, which may be suspended while its client gathers input. */
export class HeldCall {
  readonly #cancel = new AbortController();
  readonly #queue: HeldEvent[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #pending: { key: string; resolve: (answer: ClientAnswer) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  #asks = 0;
  #done = false;

  constructor(
    readonly token: string,
    readonly owner: string,
    private readonly onDone: () => void,
  ) {}

  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  /** A new reader of the call's events (the first request, then each retry). */
  attach(): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.#writer = writer;
    // The reader cancelling (the client went away) errors the writer at once: cancel the
    // call upstream, unless it is only waiting for the client's input (a retry resumes it).
    writer.closed.catch(() => {
      if (this.#writer === writer && !this.#pending && !this.#done) this.#cancel.abort();
    });
    const queued = this.#queue.splice(0);
    for (const event of queued) this.emit(event);
    return readable;
  }

  emit(event: HeldEvent): void {
    const writer = this.#writer;
    if (!writer) {
      this.#queue.push(event);
      return;
    }
    writer.write(heldLine(event)).catch(() => {
      // The client went away while the call ran: cancel it upstream, unless it is only
      // waiting for the client's input (a retry resumes it).
      if (this.#writer === writer && !this.#pending && !this.#done) this.#cancel.abort();
    });
    if ("response" in event || "error" in event || "inputRequired" in event) {
      this.#writer = undefined;
      writer.close().catch(() => undefined);
    }
  }

  /** The upstream asks the client: suspend, and tell the client what to answer. */
  ask(method: string, params: Record<string, unknown>, capabilities: Record<string, unknown>): Promise<ClientAnswer> {
    const refused = refusedQuestion(method, capabilities);
    if (refused) return Promise.resolve(refused);
    const key = `ask-${++this.#asks}`;
    return new Promise<ClientAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        resolve({ error: questionErrors.notAnsweredInTime(method) });
      }, SUSPEND_TIMEOUT_MS);
      this.#pending = { key, resolve, timer };
      this.emit({ inputRequired: { inputRequests: { [key]: { method, params } }, requestState: this.token } });
    });
  }

  cancel(): void {
    if (!this.#pending && !this.#done) this.#cancel.abort();
  }

  answer(inputResponses: Record<string, unknown>): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    const given = inputResponses[pending.key];
    if (typeof given === "object" && given !== null && !Array.isArray(given)) {
      pending.resolve({ result: given as Record<string, unknown> });
    } else {
      pending.resolve({ error: questionErrors.notInRetry(pending.key) });
    }
  }

  finish(event: { response: JsonRpcResponse } | { error: PlainGatewayError }): void {
    this.#done = true;
    this.emit(event);
    this.onDone();
  }
}
