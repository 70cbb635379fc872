// A server-sent-events stream from a session to its client: a priming comment at once,
// keep-alive comments every 25 seconds, and `send` for JSON-RPC messages with event ids.
// Replay on Last-Event-ID comes with notification relaying, not here.

const KEEP_ALIVE_MS = 25_000;
const encoder = new TextEncoder();

export interface EventStream {
  response: Response;
  send(message: unknown): void;
  close(): void;
}

export function openEventStream(onClose: () => void): EventStream {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let nextEventId = 1;
  let closed = false;
  const write = (text: string) => {
    if (closed) return;
    writer.write(encoder.encode(text)).catch(close);
  };
  const keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    writer.close().catch(() => undefined);
    onClose();
  }
  write(": stream open\n\n");
  return {
    response: new Response(readable, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    }),
    send: (message) => write(`id: ${nextEventId++}\ndata: ${JSON.stringify(message)}\n\n`),
    close,
  };
}
