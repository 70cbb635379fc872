// The answer to one POST, decided late: plain JSON when the answers come alone, an
// event stream as soon as something must reach the client before them (progress, a
// log message, an upstream's question) and the client accepts streams.
import type { JsonRpcResponse } from "../mcp/jsonrpc.js";
import { rpcResponses, type ResponseFormat } from "./responses.js";
import { SSE_HEADERS, type MessageStream } from "./sse.js";

export interface ReplyOptions {
  format: ResponseFormat;
  /** The client's Accept allows text/event-stream. */
  streamable: boolean;
  headers?: Record<string, string>;
  /** Opens the stream when one is needed (a session object records its events). */
  openStream: () => MessageStream;
  /**
   * An answer slower than this becomes a stream with a heartbeat at the same interval:
   * a client that went away is then noticed (a write fails) and its call cancelled.
   */
  heartbeatAfterMs?: number;
}

export class Reply {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  #stream: MessageStream | undefined;
  #done = false;

  #heartbeat: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ReplyOptions) {
    this.response = new Promise((resolve) => (this.#resolve = resolve));
    const after = options.heartbeatAfterMs;
    if (after !== undefined && options.streamable) {
      this.#heartbeat = setTimeout(() => {
        if (!this.#done) this.#open().heartbeat?.(after);
      }, after);
    }
  }

  /** Answered (or failed): nothing more will be written. */
  get done(): boolean {
    return this.#done;
  }

  #open(): MessageStream {
    if (!this.#stream) {
      this.#stream = this.options.openStream();
      this.#resolve(this.#stream.response);
    }
    return this.#stream;
  }

  /** Whether messages sent before the answer can reach the client. */
  get streamable(): boolean {
    return this.options.streamable && !this.#done;
  }

  /** A message ahead of the answers; dropped (false) when the client takes only JSON. */
  send(message: unknown): boolean {
    if (!this.streamable) return false;
    this.#open().send(message);
    return true;
  }

  finish(responses: JsonRpcResponse[], batch: boolean): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#heartbeat);
    if (!this.#stream) {
      // Requests that were all cancelled leave nothing to say; a POST of requests is still
      // answered with a (then empty) stream, never with 202.
      if (responses.length === 0 && this.options.streamable) {
        this.#resolve(new Response(null, { status: 200, headers: { ...SSE_HEADERS, ...this.options.headers } }));
        return;
      }
      this.#resolve(rpcResponses(responses, batch, this.options.format, this.options.headers));
      return;
    }
    if (responses.length > 0) this.#stream.send(batch ? responses : responses[0]);
    this.#stream.close();
  }

  /** The work failed before answering: a whole-response error, or a closed stream. */
  fail(response: Response): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#heartbeat);
    if (this.#stream) this.#stream.close();
    else this.#resolve(response);
  }
}
