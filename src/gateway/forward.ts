// The last stages of a call: the request guards, a person's yes for a destructive tool
// (guards/confirmation.ts), placement (where it is sent from), the
// upstream exchange with the client in the loop, the response guards, and the record (one
// audit line and the call's metrics when it ends, with the rule that allowed it and what
// the upstream answered). Results and upstream errors are relayed unchanged, but for what
// a guard masks or blocks. A call handed over to the owner of the upstream session is
// recorded (and its result guarded) there, where it ends, so every call has one audit line.
import { GatewayError } from "../mcp/errors.js";
import { asRecord, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { HELD_REQUEST_STATE_PREFIX } from "../mcp/gateway-info.js";
import { canBeAsked } from "../mcp/questions.js";
import { audit } from "../observe/audit.js";
import type { RequestOptions } from "../upstream/link.js";
import type { Call, Params } from "./call.js";
import { endUpstreamSpan, upstreamSpan, withTraceparent } from "./upstream-spans.js";
import { clientOptions, exchangeWithClient } from "./client-loop.js";
import { presentExecuted } from "./executed-result.js";
import { confirmCall, sealFollowUp, type Confirmation } from "./guards/confirmation.js";
import { callGuards, guardRequest, guardResponse } from "./guards/content-guards.js";
import { limitResult } from "./guards/result-limit.js";
import { placeCall, type CallPlacement } from "./placement.js";
import { auditLine } from "./record.js";
import { runAsTask, sealCreatedTask, taskModeOf, withoutTask } from "./tasks/task-bridge.js";
import { answered, type CallSubject, type HandOver, type Sent, type Upstream } from "./upstreams.js";

/** Sends a client's request to the upstream that holds its subject, where placement says. */
export async function forward(
  call: Call,
  method: string,
  upstream: Upstream,
  params: Params,
  subject?: CallSubject,
): Promise<Sent> {
  const guards = callGuards(call.ctx, upstream, method);
  const about = { call, upstream, method, subject };
  const checked = guards ? await guardRequest(about, guards, params) : params;
  const confirmation =
    method === "tools/call" ? await confirmCall(call, upstream, subject?.name ?? "", checked) : proceed(checked);
  if (confirmation.kind === "answer") return confirmation.sent;
  const tool = subject?.name ?? "";
  const mode = await taskModeOf(call, upstream, tool, confirmation.params);
  const sending = mode === "plain" ? withoutTask(confirmation.params) : confirmation.params;
  // A legacy client's call run as a task may ask it questions: its session object runs it.
  if (mode === "bridge" && call.ctx.at === "worker" && call.channel.era === "legacy")
    return { kind: "handed-over", handOver: { counted: call.counted } };
  const placement = await place(call, upstream, sending, true);
  const sent = await recorded(call, method, upstream, sending, subject, async (traced) => {
    const exchanged =
      mode === "bridge"
        ? await runAsTask(call, upstream, placement, traced)
        : await exchangeWithClient(call, upstream, placement, method, traced);
    const sent = limited(exchanged, about);
    const guarded = guards ? await guardResponse(about, guards, sent) : sent;
    const presented = mode === "relay" ? await sealCreatedTask(call, upstream, tool, guarded) : guarded;
    return sealFollowUp(call, confirmation.confirmed, presented);
  });
  return withSubject(sent, subject, sending);
}

const proceed = (params: Params): Confirmation => ({ kind: "proceed", params, confirmed: undefined });

/** A request the gateway makes of an upstream on the client's behalf that needs nothing of it (logging/setLevel). */
export async function forwardQuietly(call: Call, method: string, upstream: Upstream, params: Params): Promise<Sent> {
  const placement = await place(call, upstream, params, false);
  return recorded(call, method, upstream, params, undefined, (traced) =>
    upstream.send(placement, method, traced, clientOptions(call, upstream.server.name, traced).options),
  );
}

async function place(call: Call, upstream: Upstream, params: Params, involvesClient: boolean): Promise<CallPlacement> {
  const { ctx, channel } = call;
  const requestState = params["requestState"];
  return placeCall({
    at: ctx.at,
    client: {
      era: channel.era,
      canBeAsked: canBeAsked(channel.capabilities),
      progress: asRecord(params["_meta"])["progressToken"] !== undefined,
    },
    involvesClient,
    resumesHeldCall: typeof requestState === "string" && requestState.startsWith(HELD_REQUEST_STATE_PREFIX),
    upstream: await upstream.facts(),
  });
}

/** A tool result cut to the registration's maxResultBytes (result-limit.ts). */
function limited(sent: Sent, about: { upstream: Upstream; method: string; subject: CallSubject | undefined }): Sent {
  const { registration, name } = about.upstream.server;
  const toolResult = about.method === "tools/call" || about.method === "tasks/result";
  if (!toolResult || registration.maxResultBytes === undefined) return sent;
  return limitResult(sent, name, about.subject?.name ?? "", registration.maxResultBytes);
}

/** The owner finishing a call needs to know what it was about and what was sent. */
function withSubject(sent: Sent, subject: CallSubject | undefined, params: Params): Sent {
  if (sent.kind !== "handed-over" || !sent.handOver.stream) return sent;
  const handOver: HandOver = { ...sent.handOver, sent: params, ...(subject ? { subject } : {}) };
  return { kind: "handed-over", handOver };
}

/**
 * Finishes a call a Worker sent on this session's upstream session and handed over when
 * the upstream answered with an event stream: reads the rest here, with the client in
 * the loop, and records it like any call.
 */
export async function finishHandedCall(
  call: Call,
  upstream: Upstream,
  handed: { subject?: CallSubject | undefined; sent?: Params | undefined },
  read: (options: RequestOptions) => Promise<JsonRpcResponse>,
): Promise<Sent> {
  const params = handed.sent ?? {};
  const method = call.request.method;
  const { options } = clientOptions(call, upstream.server.name, params);
  const guards = callGuards(call.ctx, upstream, method);
  const about = { call, upstream, method, subject: handed.subject };
  const sent = await recorded(call, method, upstream, params, handed.subject, async () => {
    const sent = limited(answered(await read(options)), about);
    const guarded = guards ? await guardResponse(about, guards, sent) : sent;
    // A task-augmented call's new task, relayed: its id sealed here too.
    const relayed = method === "tools/call" && params["task"] !== undefined;
    return relayed ? sealCreatedTask(call, upstream, handed.subject?.name ?? "", guarded) : guarded;
  });
  const via = handed.subject?.via;
  return via ? presentExecuted(sent, via.server, via.name) : sent;
}

async function recorded(
  call: Call,
  method: string,
  upstream: Upstream,
  params: Params,
  subject: CallSubject | undefined,
  /** Sends `traced`: the params, made the parent of what the upstream does when traces are sent. */
  send: (traced: Params) => Promise<Sent>,
): Promise<Sent> {
  const started = Date.now();
  const span = upstreamSpan(call.ctx, method, upstream, subject);
  let status = "ok";
  let outcome: unknown;
  try {
    const sent = await send(withTraceparent(params, span));
    if (sent.kind === "handed-over") {
      endUpstreamSpan(span, "handed-over");
      return sent;
    }
    const response = sent.response;
    if ("error" in response) status = `error:${response.error.code}`;
    outcome = "error" in response ? response.error : response.result;
    record(call, method, upstream, { params, subject, status, latencyMs: Date.now() - started, outcome });
    endUpstreamSpan(span, status);
    return sent;
  } catch (error) {
    status = error instanceof GatewayError ? error.code : "INTERNAL_ERROR";
    record(call, method, upstream, { params, subject, status, latencyMs: Date.now() - started, outcome });
    endUpstreamSpan(span, status);
    throw error;
  }
}

interface Recorded {
  params: Params;
  subject: CallSubject | undefined;
  status: string;
  latencyMs: number;
  outcome: unknown;
}

/** One audit line and the call's metrics. Payloads only when the registration opts in, redacted. */
function record(call: Call, method: string, upstream: Upstream, facts: Recorded): void {
  const { ctx } = call;
  const { subject, status, latencyMs } = facts;
  const server = upstream.server.name;
  const decided = subject
    ? {
        decision: "allow" as const,
        rule: ctx.policy.decide(subject.kind, server, subject.name ?? subject.uri ?? "").rule,
      }
    : {};
  const agent = ctx.identity.delegate ?? ctx.identity.agent;
  const item = subject?.name ?? subject?.uri ?? method;
  ctx.observer.call({ agent, server, method, item, status, latencyMs });
  const names = { server, name: subject?.name, uri: subject?.uri };
  const via = subject?.via ? { via: subject.via.tool } : {};
  const line = auditLine(ctx, {
    kind: "upstream",
    method,
    ...decided,
    upstreamStatus: status,
    latencyMs,
    ...names,
    ...via,
  });
  const payloads = upstream.server.registration.auditPayloads;
  const args = facts.params["arguments"] ?? facts.params;
  audit(payloads ? { ...line, arguments: args, result: facts.outcome } : line, upstream.server.secretForms);
}
