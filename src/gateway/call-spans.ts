// The pipeline's OpenTelemetry SERVER spans, named and described by the semantic
// conventions for MCP (and GenAI's for tools and prompts): one per client request, where it
// is routed (upstream-spans.ts has the CLIENT spans under it). A request continues the
// client's trace: its `_meta.traceparent`, else its HTTP `traceparent` header. A request
// the Worker hands to a session object continues the Worker's span. Nothing here runs
// unless settings.tracing is set.
import type { JsonRpcRequest, JsonRpcResponse } from "../mcp/jsonrpc.js";
import { asRecord } from "../mcp/jsonrpc.js";
import { parseTraceparent } from "../observe/tracing/trace-context.js";
import type { Span } from "../observe/tracing/tracer.js";
import type { CallContext } from "./context.js";
import { described, spanName } from "./upstream-spans.js";

/** The SERVER span of one client request; `handedFrom` is the Worker span that handed it here. */
export function serverSpan(ctx: CallContext, request: JsonRpcRequest, handedFrom?: string): Span | undefined {
  const tracer = ctx.tracer;
  if (!tracer) return undefined;
  const params = request.params ?? {};
  const trace = ctx.caller.trace;
  const parent =
    parseTraceparent(handedFrom) ??
    parseTraceparent(asRecord(params["_meta"])["traceparent"]) ??
    parseTraceparent(trace?.parent);
  const name = typeof params["name"] === "string" ? params["name"] : undefined;
  const span = tracer.start(spanName(request.method, name), "server", parent);
  span
    .set("mcp.method.name", request.method)
    .set("jsonrpc.request.id", String(request.id))
    .set("mcp.session.id", trace?.session)
    .set("mcp.protocol.version", trace?.protocolVersion)
    .set("mcpgw.agent", ctx.identity.delegate ?? ctx.identity.agent)
    .set("mcpgw.virtual_server", ctx.identity.virtualServer)
    .set("mcpgw.revision", ctx.snapshot.revision)
    .set("mcpgw.at", ctx.at);
  return described(span, request.method, name, params["uri"]);
}

/** Ends a SERVER span with the answer; none means the request was handed over, to be answered elsewhere. */
export function endServerSpan(span: Span | undefined, response: JsonRpcResponse | undefined): void {
  if (!span) return;
  if (!response) span.set("mcpgw.handed_over", true);
  else if ("error" in response)
    span.fail(String(response.error.code)).set("rpc.response.status_code", String(response.error.code));
  span.end();
}
