// What the gateway knows of one upstream and how a request to it is made: the state an
// upstream session leaves behind (era, capabilities, session id), the options of one
// request, and the typed outcome of one attempt on a session someone else owns.
import type { Era } from "../mcp/versions.js";
import type { JsonRpcNotification, JsonRpcResponse } from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../mcp/questions.js";
import type { HandedStream } from "./event-stream.js";

export interface UpstreamState {
  era: Era;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  /** What the upstream tells clients about using it (initialize or server/discover `instructions`). */
  instructions?: string;
  /** The registration fingerprint this state was learned under; a change relearns it. */
  fingerprint: string;
  /** Legacy upstreams with sessions only. */
  sessionId?: string;
  /**
   * A legacy upstream reached over the 2024-11-05 HTTP+SSE transport (its event stream and
   * message endpoint live in the owner's SseChannels), not over Streamable HTTP.
   */
  transport?: "sse";
}

/** One upstream's state, kept by whoever owns it (a client session, a held session, the isolate). */
export interface SessionSlot {
  state?: UpstreamState | undefined;
  /** An initialize under way, shared by concurrent requests. */
  opening?: Promise<UpstreamState> | undefined;
  save(state: UpstreamState | undefined): void;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Notifications the upstream sends while answering: progress, log messages. */
  onNotification?: (notification: JsonRpcNotification) => void;
  /** Answers a legacy upstream's own requests during the call; without it they are refused. */
  onRequest?: (method: string, params: Record<string, unknown>) => Promise<ClientAnswer>;
  /** Aborted when the client cancels: the upstream is told, the answer no longer awaited. */
  signal?: AbortSignal;
  /** What the client behind the gateway can do, declared to current-era upstreams. */
  clientCapabilities?: Record<string, unknown>;
  /** The client's log level, for current-era upstreams (they log only when asked). */
  logLevel?: string;
}

/** An answer that started as an event stream with something else first, for another owner to read. */
export interface UpstreamStream extends HandedStream {
  server: string;
  /** The id the request was sent upstream with. */
  upstreamId: string;
  /** The upstream session it was sent on. */
  state: UpstreamState;
}

/**
 * One attempt on an upstream session someone else owns (it is borrowed): the answer; the
 * stream of an answer that must be read where the client's stream lives (only when asked
 * for); or nothing sent, because there is no usable session or the upstream forgot it.
 */
export type Attempt =
  | { kind: "answered"; response: JsonRpcResponse }
  | { kind: "streaming"; stream: UpstreamStream }
  | { kind: "unavailable"; forgotten?: string };
