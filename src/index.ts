// Worker entry: the HTTP app and the Durable Object classes wrangler binds.
import { app } from "./app.js";

export { McpSession } from "./session/mcp-session.js";
export { HeldUpstreamSession } from "./session/held-upstream-session.js";
export { GatewayStatus } from "./observe/gateway-status.js";
export { RateLimitCounter } from "./ratelimit/rate-limit-counter.js";
export { GeneratedSessionIdKey } from "./session/generated-session-id-key.js";
export { AgentSessions } from "./session/agent-sessions.js";
export { ToolPins } from "./observe/tool-pins.js";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
