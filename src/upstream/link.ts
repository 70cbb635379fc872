// What the gateway needs from an upstream, whatever its era and wherever its session
// lives: describe yourself, answer a request, take a notification, end.
import type { ResolvedServer } from "../config/snapshot.js";
import type { Era } from "../mcp/eras.js";
import type { JsonRpcErrorObject, JsonRpcNotification, JsonRpcResponse } from "../mcp/jsonrpc.js";

export interface UpstreamState {
  era: Era;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  /** The registration fingerprint this state was learned under; a change relearns it. */
  fingerprint: string;
  /** Legacy upstreams with sessions only. */
  sessionId?: string;
}

/** The client's answer to an upstream's own request (sampling, elicitation, roots). */
export type ClientAnswer = { result: Record<string, unknown> } | { error: JsonRpcErrorObject };

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

export interface Link {
  readonly server: ResolvedServer;
  /** The upstream's era and capabilities, learned on first use. */
  open(): Promise<UpstreamState>;
  /** Sends a request; the response carries the gateway's id, which the caller replaces. */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    options?: RequestOptions,
  ): Promise<JsonRpcResponse>;
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Ends the upstream session, if there is one (best effort). */
  close(): Promise<void>;
  /** Reads the answer to a request someone else sent on `state` and handed over (see HandOff). */
  adopt?(
    state: UpstreamState,
    upstreamId: string,
    body: ReadableStream<Uint8Array>,
    options: RequestOptions,
  ): Promise<JsonRpcResponse>;
}
