// The CLIENT spans of the pipeline: one per request the gateway makes of an upstream for a
// client's request (a call, a read, a list fetched on a cache miss), a child of that
// request's SERVER span (call-spans.ts). The upstream receives its context in
// `params._meta.traceparent`, and from the link (upstream/trace-headers.ts) in the
// `traceparent` header. Nothing here runs unless settings.tracing is set.
import { asRecord } from "../mcp/jsonrpc.js";
import type { Span, Tracer } from "../observe/tracing/tracer.js";
import type { CallSubject, Upstream } from "./upstreams.js";

type Params = Record<string, unknown>;

/** What a CLIENT span needs of its context: the tracer, and the request's SERVER span. */
export interface Tracing {
  tracer?: Tracer | undefined;
  span?: Span | undefined;
}

/** The CLIENT span of one request to an upstream, a child of the request's SERVER span. */
export function upstreamSpan(
  ctx: Tracing,
  method: string,
  upstream: Upstream,
  subject: CallSubject | undefined,
): Span | undefined {
  if (!ctx.span || !ctx.tracer) return undefined;
  const span = ctx.tracer.start(spanName(method, subject?.name), "client", ctx.span.context);
  const url = new URL(upstream.server.registration.url);
  span
    .set("mcp.method.name", method)
    .set("server.address", url.hostname)
    .set("server.port", Number(url.port || (url.protocol === "https:" ? 443 : 80)))
    .set("network.protocol.name", "http")
    .set("mcpgw.server", upstream.server.name);
  return described(span, method, subject?.name, subject?.uri);
}

/** Ends a CLIENT span with the record stage's status: "ok", "error:<JSON-RPC code>", or a gateway code. */
export function endUpstreamSpan(span: Span | undefined, status: string | "handed-over"): void {
  if (!span) return;
  if (status === "handed-over") span.set("mcpgw.handed_over", true);
  else if (status.startsWith("error:")) span.fail(status.slice(6)).set("rpc.response.status_code", status.slice(6));
  else if (status !== "ok") span.fail(status);
  span.end();
}

/** What is sent upstream: the client's params with this span as the parent of what the upstream does. */
export function withTraceparent(params: Params, span: Span | undefined): Params {
  if (!span) return params;
  return { ...params, _meta: { ...asRecord(params["_meta"]), traceparent: span.traceparent } };
}

/** `{mcp.method.name} {target}`, the target being the tool or prompt name where there is one. */
export function spanName(method: string, target: string | undefined): string {
  return target ? `${method} ${target}` : method;
}

export function described(span: Span, method: string, name: string | undefined, uri: unknown): Span {
  if (method === "tools/call") span.set("gen_ai.tool.name", name).set("gen_ai.operation.name", "execute_tool");
  else if (method === "prompts/get") span.set("gen_ai.prompt.name", name);
  if (typeof uri === "string") span.set("mcp.resource.uri", uri);
  return span;
}
