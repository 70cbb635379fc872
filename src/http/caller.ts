// Who is calling, as audit lines and spans see it: the principal's key or token, the
// request's id, and (only when settings.tracing is set) what the request's spans take from
// its HTTP request: the client's `traceparent`, its protocol version, and a digest of its
// session id (spans never carry the id itself).
import type { Context } from "hono";
import { callerOf, type Caller } from "../auth/principal.js";
import { sha256Hex } from "../observe/hash.js";
import type { AppEnv } from "./context.js";

export async function callerFor(c: Context<AppEnv>, sessionId?: string): Promise<Caller> {
  const principal = c.get("principal");
  const requestId = c.get("requestId");
  if (!c.get("snapshot").tracing) return callerOf(principal, requestId);
  const parent = c.req.header("traceparent");
  const protocolVersion = c.req.header("mcp-protocol-version");
  const session = sessionId === undefined ? undefined : (await sha256Hex(`mcp-session:${sessionId}`)).slice(0, 32);
  return callerOf(principal, requestId, {
    ...(parent !== undefined ? { parent } : {}),
    ...(protocolVersion !== undefined ? { protocolVersion } : {}),
    ...(session !== undefined ? { session } : {}),
  });
}
