// Server-sent events from the gateway to a client: an optional priming event (an id
// and empty data, so the client can resume), keep-alive comments, JSON-RPC messages
// with optional event ids. Used by session objects and by the Worker alike.
import { jsonText } from "../mcp/json-text.js";

/** Comfortably under the 25 s idle limits of common proxies and clients. */
export const KEEP_ALIVE_MS = 20_000;
const encoder = new TextEncoder();

export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;

/** Where messages go once a request is answered as a stream. */
export interface MessageStream {
  readonly response: Response;
  send(message: unknown): void;
  close(): void;
  /** Comments this often, so a client that went away is noticed soon (optional). */
  heartbeat?(intervalMs: number): void;
}

export class SseWriter implements MessageStream {
  readonly response: Response;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #keepAlive: ReturnType<typeof setInterval>;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(
    options: { headers?: Record<string, string>; primingId?: string; onClose?: () => void } = {},
    private readonly onClose = options.onClose,
  ) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.#writer = writable.getWriter();
    this.response = new Response(readable, { headers: { ...SSE_HEADERS, ...options.headers } });
    this.#keepAlive = setInterval(() => this.#write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    this.#write(options.primingId === undefined ? ": stream open\n\n" : `id: ${options.primingId}\ndata: \n\n`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: unknown, id?: string): void {
    this.#write(`${id === undefined ? "" : `id: ${id}\n`}data: ${jsonText(message)}\n\n`);
  }

  heartbeat(intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#write(": waiting\n\n"), intervalMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    clearInterval(this.#heartbeat);
    this.#writer.close().catch(() => undefined);
    this.onClose?.();
  }

  #write(text: string): void {
    if (this.#closed) return;
    // A failed write means the client went away: stop, and let the owner know.
    this.#writer.write(encoder.encode(text)).catch(() => this.close());
  }
}
