// W3C Trace Context on the wire to an upstream: a request whose `params._meta` carries a
// valid `traceparent` (the gateway's span, or a client's own when the gateway does not
// trace) carries it as the `traceparent` header too, with `tracestate`, so an upstream
// instrumented at the HTTP layer joins the same trace as one reading `_meta`.
import { asRecord } from "../mcp/jsonrpc.js";
import { parseTraceparent } from "../observe/tracing/trace-context.js";

/** The longest `tracestate` passed on (the spec allows 32 members of at most 256 bytes each, but 512 is the usual cap). */
const MAX_TRACESTATE = 512;

/** The trace headers of a request with these params; undefined when it names no valid trace. */
export function traceHeaders(params: unknown): Record<string, string> | undefined {
  const meta = asRecord(asRecord(params)["_meta"]);
  const traceparent = meta["traceparent"];
  if (traceparent === undefined || !parseTraceparent(traceparent)) return undefined;
  const tracestate = meta["tracestate"];
  const headers: Record<string, string> = { traceparent: traceparent as string };
  if (typeof tracestate === "string" && tracestate.length <= MAX_TRACESTATE && !/[\r\n]/.test(tracestate))
    headers["tracestate"] = tracestate;
  return headers;
}
