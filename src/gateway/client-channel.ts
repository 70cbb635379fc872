// The way back to the client while one of its requests is in flight: notifications
// about it (progress, log messages), questions an upstream asks it (sampling,
// elicitation, roots) when its era and connection allow asking, and its cancellation.
// Every entry path makes its channel with openChannel, from what the client declared
// (ClientFacts) and how this request can reach it.
import type { Era } from "../mcp/versions.js";
import type { JsonRpcNotification } from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../mcp/questions.js";

/** What the client declared: its era, its capabilities, the log level it asked for. */
export interface ClientFacts {
  era: Era;
  /** At initialize (legacy), or in this request's envelope (current era). */
  capabilities: Record<string, unknown>;
  /**
   * The least severe log level the client wants. Absent: a legacy client gets every
   * message (it never set a level); a current-era client gets none (it did not ask).
   */
  logLevel?: string | undefined;
}

/** How one request reaches its client before its answer. */
export interface Delivery {
  /** A notification about this request; false when it could not be delivered. */
  notify(notification: JsonRpcNotification): boolean;
  /** Asks the client (for `server`, when an upstream asks) and waits for its answer; absent when it cannot be asked here. */
  ask?: ((method: string, params: Record<string, unknown>, server?: string) => Promise<ClientAnswer>) | undefined;
  /** Aborted when the client cancels this request. */
  signal?: AbortSignal | undefined;
}

export interface ClientChannel extends ClientFacts, Delivery {}

export function openChannel(client: ClientFacts, delivery: Delivery): ClientChannel {
  return {
    era: client.era,
    capabilities: client.capabilities,
    ...(client.logLevel !== undefined ? { logLevel: client.logLevel } : {}),
    notify: delivery.notify,
    ...(delivery.ask ? { ask: delivery.ask } : {}),
    ...(delivery.signal ? { signal: delivery.signal } : {}),
  };
}

/** RFC 5424 severities, as MCP names them, least severe first. */
const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** Whether a log message at `level` reaches a client that asked for `minimum`. */
export function wantsLog(client: ClientFacts, level: unknown): boolean {
  if (client.logLevel === undefined) return client.era === "legacy";
  const at = LOG_LEVELS.indexOf(typeof level === "string" ? level : "");
  const minimum = LOG_LEVELS.indexOf(client.logLevel);
  return at === -1 || minimum === -1 || at >= minimum;
}
