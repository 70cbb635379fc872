// The gateway's own name and version, as it introduces itself to clients and upstreams.
export const GATEWAY_INFO = { name: "mcp-edge-gateway", version: "0.1.0" } as const;

/** The gateway's own `_meta` keys, under its own prefix as the spec asks of extensions. */
export const GATEWAY_META = {
  /** In a request's `_meta`: this call's upstream timeout in ms (stripped before forwarding). */
  timeoutMs: "mcp-edge-gateway/timeoutMs",
  /** In a list result's `_meta`: the upstreams left out of it, and why. */
  unavailable: "mcp-edge-gateway/unavailable",
} as const;

/**
 * `requestState` values the gateway mints for calls a held-session object suspended;
 * anything else is an upstream's own, passed through.
 */
export const HELD_REQUEST_STATE_PREFIX = "gw-held.";
