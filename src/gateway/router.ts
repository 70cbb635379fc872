// The front of the call pipeline: answers one client JSON-RPC request against the
// aggregated upstreams. The method registry says what a method is; this file says which
// handler does it (lists.ts, calls.ts), counts it against the rate limits, turns the
// gateway's own errors into JSON-RPC errors (auditing policy refusals), and shapes results
// for the client's era. A request this invocation cannot finish comes back handed over,
// for the entry path to pass to the owner of the upstream sessions. Sessions and HTTP are
// not its business.
import { errors, GatewayError } from "../mcp/errors.js";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { toLegacyResult, toModernResult } from "../mcp/eras.js";
import { offeredIn } from "../mcp/methods.js";
import type { Era } from "../mcp/versions.js";
import { countRequest, noteRefusal, result, type Answer, type Call, type Params } from "./call.js";
import { callByUri, callNamed, complete, discover, setLogLevel } from "./calls.js";
import type { ClientChannel } from "./client-channel.js";
import type { CallContext } from "./context.js";
import { list } from "./lists.js";
import { endServerSpan, serverSpan } from "./call-spans.js";
import { auditDenied } from "./record.js";
import { listTasks, taskRequest } from "./tasks/task-calls.js";
import type { HandOver } from "./upstreams.js";

export type Routed = { kind: "answered"; response: JsonRpcResponse } | { kind: "handed-over"; handOver: HandOver };

type Handler = (call: Call, params: Params) => Promise<Answer>;

const handlers: Readonly<Record<string, Handler>> = {
  ping: async () => result({}),
  "tools/list": (call, params) => list("tools", call, params),
  "prompts/list": (call, params) => list("prompts", call, params),
  "resources/list": (call, params) => list("resources", call, params),
  "resources/templates/list": (call, params) => list("resourceTemplates", call, params),
  "tools/call": (call, params) => callNamed("tools", call, params),
  "prompts/get": (call, params) => callNamed("prompts", call, params),
  "resources/read": callByUri,
  "resources/subscribe": callByUri,
  "resources/unsubscribe": callByUri,
  "completion/complete": complete,
  "logging/setLevel": setLogLevel,
  "server/discover": discover,
  "tasks/get": taskRequest,
  "tasks/result": taskRequest,
  "tasks/cancel": taskRequest,
  "tasks/list": listTasks,
};

/** How the request is answered: its way back to the client, and whether it was counted already. */
export interface RouteOptions {
  channel: ClientChannel;
  /** The Worker that handed this request over counted it against the rate limits. */
  counted?: boolean;
  /** The `traceparent` of the Worker's span that handed this request over. */
  handedFrom?: string | undefined;
}

/** One client request entering the pipeline here, with its SERVER span when traces are sent. */
export function callFor(request: JsonRpcRequest, ctx: CallContext, options: RouteOptions): Call {
  const span = serverSpan(ctx, request, options.handedFrom);
  const traced = span ? { ...ctx, span } : ctx;
  return { request, ctx: traced, channel: options.channel, counted: options.counted ?? false };
}

export async function route(request: JsonRpcRequest, ctx: CallContext, options: RouteOptions): Promise<Routed> {
  const call = callFor(request, ctx, options);
  const routed = await spanned(call, answer(call));
  if (routed.kind === "answered") ctx.observer.request("error" in routed.response);
  // The object that takes it over continues this span.
  const span = call.ctx.span;
  if (routed.kind === "handed-over" && span) routed.handOver.traceparent = span.traceparent;
  return routed;
}

/** Runs the handler of an answer that was started elsewhere (see forward.ts's finishHandedCall). */
export async function answerWith(call: Call, run: () => Promise<Answer>): Promise<JsonRpcResponse> {
  const routed = await spanned(call, settle(call, run));
  if (routed.kind === "handed-over") throw new Error("a handed-over call was handed over again");
  call.ctx.observer.request("error" in routed.response);
  return routed.response;
}

/** Ends the call's SERVER span with how it was answered (or that it failed unexpectedly). */
async function spanned(call: Call, routing: Promise<Routed>): Promise<Routed> {
  const span = call.ctx.span;
  if (!span) return routing;
  try {
    const routed = await routing;
    endServerSpan(span, routed.kind === "answered" ? routed.response : undefined);
    return routed;
  } catch (error) {
    span.fail("INTERNAL_ERROR").end();
    throw error;
  }
}

function answer(call: Call): Promise<Routed> {
  const { request, channel } = call;
  const handler = offeredIn(request.method, channel.era) ? handlers[request.method] : undefined;
  return settle(call, async () => {
    // A tools/call is counted once its tool is known, with the tool's own limits (calls.ts);
    // any other request at once, whether the gateway handles its method or not.
    if (request.method !== "tools/call" || !handler) await countRequest(call);
    if (!handler) throw errors.methodNotFound(request.method);
    return handler(call, request.params ?? {});
  });
}

async function settle(call: Call, run: () => Promise<Answer>): Promise<Routed> {
  const { request, channel } = call;
  try {
    const outcome = await run();
    if (outcome.kind === "handed-over") {
      return { kind: "handed-over", handOver: { ...outcome.handOver, counted: call.counted } };
    }
    if (outcome.kind === "result")
      return answered(resultResponse(request.id, shaped(channel.era, request.method, outcome.result)));
    const response = outcome.response;
    if (!("result" in response)) return answered({ ...response, id: request.id });
    return answered(resultResponse(request.id, shaped(channel.era, request.method, response.result)));
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    // Refused before it was counted (a tools/call without a name): it counts all the same.
    const refusal = call.counted ? error : await countRequest(call).then(() => error, refusalOf);
    return failed(call, refusal);
  }
}

function refusalOf(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  throw error;
}

function failed(call: Call, error: GatewayError): Routed {
  const method = call.request.method;
  noteRefusal(method, error);
  if (error.code === "DENIED_BY_POLICY") auditDenied(call.ctx, method, error.details);
  return answered(errorResponse(call.request.id, error.toJsonRpc()));
}

function answered(response: JsonRpcResponse): Routed {
  return { kind: "answered", response };
}

/** Results in the client's era: `resultType` and cache hints for the current one, none for legacy. */
function shaped(era: Era, method: string, value: Params): Params {
  return era === "modern" ? toModernResult(method, value) : toLegacyResult(value);
}
