// The gateway's own name and version, as it introduces itself to clients and upstreams.
export const GATEWAY_INFO = { name: "mcp-edge-gateway", version: "0.1.0" } as const;
