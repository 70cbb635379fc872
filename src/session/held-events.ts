// The lines a HeldUpstreamSession call streams back to the Worker, and the marker of the
// `requestState` values it mints. Pure, so the Worker side can use it without the object.
import type { PlainGatewayError } from "../mcp/errors.js";
import type { JsonRpcNotification, JsonRpcResponse } from "../mcp/jsonrpc.js";

/** One line of a held call's stream. */
export type HeldEvent =
  | { notification: JsonRpcNotification }
  | { response: JsonRpcResponse }
  | { inputRequired: { inputRequests: Record<string, unknown>; requestState: string } }
  | { error: PlainGatewayError };

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

/** `requestState` values the gateway mints start with this; anything else is an upstream's. */
export const HELD_STATE_PREFIX = "gw-held.";

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
