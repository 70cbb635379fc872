// Reading an upstream's answer when it comes as a Server-Sent Events stream: messages
// before the answer go to the caller (progress restarts the deadline; a question holds
// it), and the answer to the request ends the read. Also the hand-over read: as far as
// the first message only, keeping what was read so the whole stream can be replayed to
// whoever reads the rest (a session object adopting a call the Worker started).
import { createParser } from "eventsource-parser";
import { classifyMessage, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from "../mcp/jsonrpc.js";
import { errors } from "../mcp/errors.js";
import type { Deadline } from "./deadline.js";

/** At most this much of an upstream answer is read: a runaway upstream cannot exhaust memory. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export interface StreamReading {
  server: string;
  expectId: RequestId;
  deadline: Deadline;
  /** Aborted on timeout or cancellation. */
  signal: AbortSignal;
  /** Messages before the answer; a returned promise holds the deadline until it settles. */
  onMessage?: ((message: JsonRpcMessage) => void | Promise<unknown>) | undefined;
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
  let answer: JsonRpcResponse | undefined;
  let malformed = false;
  const parser = createParser({
    onEvent(event) {
      if (answer || !isMessageEvent(event)) return;
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
  let received = 0;
  try {
    while (!answer) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received > MAX_ANSWER_BYTES) throw errors.upstreamError(reading.server, "answer exceeded the size limit");
      parser.feed(value);
    }
  } finally {
    reading.signal.removeEventListener("abort", stop);
    await reader.cancel().catch(() => undefined);
  }
  if (answer) return answer;
  if (malformed) throw errors.upstreamError(reading.server, "sent malformed events and no answer");
  throw errors.upstreamError(reading.server, "closed its event stream before answering").markTransient();
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
