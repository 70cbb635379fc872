// The answer to one POST, decided late: plain JSON when the answers come alone, an
// event stream as soon as something must reach the client before them (progress, a
// log message, an upstream's question) and the client accepts streams.
import type { JsonRpcResponse } from "../mcp/jsonrpc.js";
import { rpcResponses, type ResponseFormat } from "./responses.js";
import type { MessageStream } from "./sse.js";

export interface ReplyOptions {
  format: ResponseFormat;
  /** The client's Accept allows text/event-stream. */
  streamable: boolean;
  headers?: Record<string, string>;
  /** Opens the stream when one is needed (a session object records its events). */
  openStream: () => MessageStream;
}

export class Reply {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  #stream: MessageStream | undefined;
  #done = false;

  constructor(private readonly options: ReplyOptions) {
    this.response = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Whether messages sent before the answer can reach the client. */
  get streamable(): boolean {
    return this.options.streamable && !this.#done;
  }

  /** A message ahead of the answers; dropped (false) when the client takes only JSON. */
  send(message: unknown): boolean {
    if (!this.streamable) return false;
    if (!this.#stream) {
      this.#stream = this.options.openStream();
      this.#resolve(this.#stream.response);
    }
    this.#stream.send(message);
    return true;
  }

  finish(responses: JsonRpcResponse[], batch: boolean): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#stream) {
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
    if (this.#stream) this.#stream.close();
    else this.#resolve(response);
  }
}
