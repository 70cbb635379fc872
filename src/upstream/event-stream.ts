// Reading an upstream's answer when it comes as a Server-Sent Events stream: messages
// before the answer go to the caller (progress restarts the deadline; a question holds
// it), and the answer to the request ends the read. A stream that ends before the answer
// after giving an event id (a 2025-11-25 server polling on purpose, or a dropped
// connection) is resumed as a conforming client does: after the `retry` the upstream asked
// for, a GET with `Last-Event-ID` (`resume`), read on as the same stream, for as long as
// the deadline allows. Also the hand-over read: as far as the first message only, keeping
// what was read so the whole stream can be replayed to whoever reads the rest (a session
// object adopting a call the Worker started).
import { createParser } from "eventsource-parser";
import { classifyMessage, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from "../mcp/jsonrpc.js";
import { errors } from "../mcp/errors.js";
import { sleep, type Deadline } from "./deadline.js";

/** At most this much of an upstream answer is read: a runaway upstream cannot exhaust memory. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The pause before resuming when the upstream named none, and the bounds of one it names. */
export const DEFAULT_RESUME_DELAY_MS = 1000;
const MIN_RESUME_DELAY_MS = 50;
const MAX_RESUME_DELAY_MS = 30_000;

export interface StreamReading {
  server: string;
  expectId: RequestId;
  deadline: Deadline;
  /** Aborted on timeout or cancellation. */
  signal: AbortSignal;
  /** Messages before the answer; a returned promise holds the deadline until it settles. */
  onMessage?: ((message: JsonRpcMessage) => void | Promise<unknown>) | undefined;
  /** Reopens the stream after the event with this id; absent where the upstream's era has no resuming. */
  resume?: ((lastEventId: string, signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>) | undefined;
}

/** Where a stream was left: the last event id it gave, and the pause it asked for before reconnecting. */
interface StreamPosition {
  lastEventId?: string;
  retryMs?: number;
  /** Bytes read over every stream of the answer so far. */
  received: number;
}

/** A stream handed over unread past its first message, replayable from its first byte. */
export interface HandedStream {
  body: ReadableStream<Uint8Array>;
  /** Settles once the new reader read it to its end or gave up on it. */
  drained: Promise<void>;
}

export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  reading: StreamReading,
): Promise<JsonRpcResponse> {
  const position: StreamPosition = { received: 0 };
  let stream = body;
  for (;;) {
    const read = await readUntilAnswer(stream, reading, position);
    if (read.answer) return read.answer;
    if (read.malformed) throw errors.upstreamError(reading.server, "sent malformed events and no answer");
    if (!reading.resume || position.lastEventId === undefined)
      throw errors.upstreamError(reading.server, "closed its event stream before answering").markTransient();
    await sleep(position.retryMs ?? DEFAULT_RESUME_DELAY_MS, reading.signal);
    stream = await reading.resume(position.lastEventId, reading.signal);
  }
}

/** Reads one stream until the answer or its end, noting the event ids and `retry` it gives. */
async function readUntilAnswer(
  body: ReadableStream<Uint8Array>,
  reading: StreamReading,
  position: StreamPosition,
): Promise<{ answer?: JsonRpcResponse; malformed: boolean }> {
  let answer: JsonRpcResponse | undefined;
  let malformed = false;
  const parser = createParser({
    onRetry(ms) {
      position.retryMs = Math.min(MAX_RESUME_DELAY_MS, Math.max(MIN_RESUME_DELAY_MS, ms));
    },
    onEvent(event) {
      if (answer) return;
      if (event.id !== undefined) position.lastEventId = event.id;
      if (!isMessageEvent(event)) return;
      const message = parseMessage(event.data);
      if (!message) malformed = true;
      else if (message.kind === "response" && message.message.id === reading.expectId) answer = message.message;
      else relay(message, reading);
    },
  });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  // A fetched body errors when its fetch is aborted; a handed-over one must be cancelled.
  const stop = () => void reader.cancel().catch(() => undefined);
  reading.signal.addEventListener("abort", stop, { once: true });
  try {
    while (!answer) {
      const { done, value } = await reader.read();
      if (done) break;
      position.received += value.length;
      if (position.received > MAX_ANSWER_BYTES)
        throw errors.upstreamError(reading.server, "answer exceeded the size limit");
      parser.feed(value);
    }
  } finally {
    reading.signal.removeEventListener("abort", stop);
    await reader.cancel().catch(() => undefined);
  }
  return answer ? { answer, malformed } : { malformed };
}

function relay(message: JsonRpcMessage, reading: StreamReading): void {
  if (message.kind === "notification" && message.message.method === "notifications/progress")
    reading.deadline.restart();
  const pending = reading.onMessage?.(message);
  if (pending) reading.deadline.hold(pending);
}

/**
 * Reads an event stream as far as its first message: the answer to `expectId` comes back
 * as such; anything else first (or the stream ending) hands the whole stream over.
 */
export async function answerOrStream(
  server: string,
  body: ReadableStream<Uint8Array>,
  expectId: RequestId,
): Promise<{ answer: JsonRpcResponse } | { stream: HandedStream }> {
  const reader = body.getReader();
  const read: Uint8Array[] = [];
  const decoder = new TextDecoder();
  let answer: JsonRpcResponse | undefined;
  let other = false;
  const parser = createParser({
    onEvent(event) {
      if (answer || other || !isMessageEvent(event)) return;
      const message = parseMessage(event.data);
      if (message?.kind === "response" && message.message.id === expectId) answer = message.message;
      else other = true;
    },
  });
  let received = 0;
  while (!answer && !other) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw errors.upstreamError(server, "answer exceeded the size limit");
    }
    read.push(value);
    parser.feed(decoder.decode(value, { stream: true }));
  }
  if (answer) {
    await reader.cancel().catch(() => undefined);
    return { answer };
  }
  return { stream: replayed(read, reader) };
}

/** The bytes already read, then the rest of the stream: the same stream, from its start. */
function replayed(read: Uint8Array[], rest: ReadableStreamDefaultReader<Uint8Array>): HandedStream {
  let drain!: () => void;
  const drained = new Promise<void>((resolve) => (drain = resolve));
  const body = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const chunk = read.shift();
      if (chunk) return controller.enqueue(chunk);
      try {
        const { done, value } = await rest.read();
        if (!done) return controller.enqueue(value);
        controller.close();
      } catch (error) {
        controller.error(error);
      }
      drain();
    },
    cancel: async (reason) => {
      drain();
      await rest.cancel(reason);
    },
  });
  return { body, drained };
}

function isMessageEvent(event: { event?: string | undefined; data: string }): boolean {
  return (event.event === undefined || event.event === "message") && event.data !== "";
}

function parseMessage(data: string): JsonRpcMessage | undefined {
  try {
    return classifyMessage(JSON.parse(data));
  } catch {
    return undefined;
  }
}
