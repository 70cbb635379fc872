// What crosses between the Worker and the session objects over Durable Object RPC: what
// a McpSession lends the Worker, the call the Worker hands it to finish, and a held
// call's options and the lines of its stream. Pure, so the Worker side can use it without
// the objects.
import type { PlainGatewayError } from "../mcp/errors.js";
import type { JsonRpcNotification, JsonRpcResponse } from "../mcp/jsonrpc.js";
import type { ClientFacts } from "../gateway/client-channel.js";
import type { CallSubject } from "../gateway/upstreams.js";
import type { UpstreamState, UpstreamStream } from "../upstream/link.js";

/** What a client session lends the Worker: its upstream sessions and what its client declared. */
export interface SessionView {
  upstreams: Map<string, UpstreamState>;
  client: ClientFacts;
}

/** A call the Worker started on a borrowed upstream session, whose answer the session object reads. */
export interface HandedCall {
  stream: Omit<UpstreamStream, "drained">;
  subject?: CallSubject;
  /** The params sent upstream (names mapped), for the audit line. */
  sent?: Record<string, unknown>;
  /** The `traceparent` of the Worker's span, continued by the object. */
  traceparent?: string;
}

export interface HeldCallOptions {
  timeoutMs?: number;
  clientCapabilities?: Record<string, unknown>;
  logLevel?: string;
  /** Who may resume or cancel the call: the identity that started it. */
  owner: string;
  /** The call's token (`requestState` when it is suspended), chosen by the caller. */
  token: string;
  /** An upstream session id the Worker found forgotten: re-open it rather than try it again. */
  forgotten?: string;
}

/** One line of a held call's stream. */
export type HeldEvent =
  | { notification: JsonRpcNotification }
  | { response: JsonRpcResponse }
  | { inputRequired: { inputRequests: Record<string, unknown>; requestState: string } }
  | { error: PlainGatewayError };

const LINE_ENCODER = new TextEncoder();

export function heldLine(event: HeldEvent | { notification: JsonRpcNotification }): Uint8Array {
  return LINE_ENCODER.encode(`${JSON.stringify(event)}\n`);
}

/** The events of a held stream, one per NDJSON line, until it ends (or its reader is cancelled). */
export async function* heldEvents(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<HeldEvent> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += value;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        yield JSON.parse(buffered.slice(0, newline)) as HeldEvent;
        buffered = buffered.slice(newline + 1);
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
