// The way back to the client while one of its requests is in flight: notifications
// about it (progress, log messages), questions an upstream asks it (sampling,
// elicitation, roots) when the client's era and connection allow asking, and its
// cancellation. Legacy sessions and the stateless endpoint each make their own.
import type { Era } from "../mcp/eras.js";
import type { JsonRpcNotification } from "../mcp/jsonrpc.js";
import type { ClientAnswer } from "../upstream/link.js";

export interface ClientChannel {
  era: Era;
  /** What the client declared it can do (at initialize, or in this request's envelope). */
  capabilities: Record<string, unknown>;
  /**
   * The least severe log level the client wants. Absent: a legacy client gets every
   * message (it never set a level); a current-era client gets none (it did not ask).
   */
  logLevel?: string;
  /** A notification about this request; false when it could not be delivered. */
  notify(notification: JsonRpcNotification): boolean;
  /** Asks the client and waits for its answer; absent when this client cannot be asked. */
  ask?(method: string, params: Record<string, unknown>): Promise<ClientAnswer>;
  /** Aborted when the client cancels this request. */
  signal?: AbortSignal;
}

/** RFC 5424 severities, as MCP names them, least severe first. */
const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** Whether a log message at `level` reaches a client that asked for `minimum`. */
export function wantsLog(channel: ClientChannel, level: unknown): boolean {
  if (channel.logLevel === undefined) return channel.era === "legacy";
  const at = LOG_LEVELS.indexOf(typeof level === "string" ? level : "");
  const minimum = LOG_LEVELS.indexOf(channel.logLevel);
  return at === -1 || minimum === -1 || at >= minimum;
}
