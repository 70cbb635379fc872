// A person's yes before a destructive tool runs (confirmDestructive; which calls need it is
// destructive.ts's). A 2025 client is asked by elicitation on the call's stream, so the
// question is asked where that stream is: a Worker hands the call to the session object
// from the start. A 2026-07-28 client gets `input_required` with an elicitation and a
// requestState the gateway seals, bound to the caller, the tool and its arguments; its
// retry carries the answer. Only an accept with `confirm: true` lets the call through;
// a decline, a cancel, no answer in time, or a client that cannot be asked refuses it, and
// the upstream never sees it. Once confirmed, a requestState the upstream hands the client
// afterwards is sealed around, so its later rounds are known to be confirmed already.
import { errors } from "../../mcp/errors.js";
import { isInputRequired } from "../../mcp/eras.js";
import { asRecord, resultResponse } from "../../mcp/jsonrpc.js";
import { refusedQuestion } from "../../mcp/questions.js";
import { audit } from "../../observe/audit.js";
import { sha256Hex } from "../../observe/hash.js";
import type { Call, Params } from "../call.js";
import { canonical } from "../pins/tool-fingerprint.js";
import { auditLine } from "../record.js";
import { SEALED_STATE_PREFIX } from "../state-seal.js";
import { answered, type Sent, type Upstream } from "../upstreams.js";
import { confirmSettingFor, needsConfirmation } from "./destructive.js";
import { toolDefinition } from "./tool-definition.js";

/** The key of the gateway's own question among a 2026-07-28 request's inputRequests. */
export const CONFIRM_KEY = "gateway-confirm";
/** How long a 2026-07-28 client has to come back with its answer. */
const SEALED_FOR_MS = 10 * 60_000;

/** What the call's yes was given for: sealed into the requestState, checked on the retry. */
interface Binding {
  agent: string;
  delegate: string | null;
  virtualServer: string | null;
  server: string;
  tool: string;
  args: string;
}

export type Confirmation =
  { kind: "proceed"; params: Params; confirmed: Binding | undefined } | { kind: "answer"; sent: Sent };

export async function confirmCall(call: Call, upstream: Upstream, tool: string, params: Params): Promise<Confirmation> {
  const server = upstream.server.name;
  const state = params["requestState"];
  if (typeof state === "string" && state.startsWith(SEALED_STATE_PREFIX))
    return resume(call, await bindingOf(call, server, tool, params), state, params);
  const setting = confirmSettingFor(call.ctx.snapshot, call.ctx.identity);
  if (setting === false) return { kind: "proceed", params, confirmed: undefined };
  const definition = setting === true ? await toolDefinition(call.ctx, upstream, tool) : undefined;
  if (!needsConfirmation(setting, server, tool, definition)) return { kind: "proceed", params, confirmed: undefined };
  return ask(call, await bindingOf(call, server, tool, params), params);
}

async function ask(call: Call, binding: Binding, params: Params): Promise<Confirmation> {
  const { channel, ctx } = call;
  const question = confirmQuestion(binding, params);
  const refused = refusedQuestion("elicitation/create", channel.capabilities);
  if (refused) return refuse(call, binding, "unavailable", "the client did not declare elicitation");
  if (channel.era === "modern") {
    const requestState = await ctx.seal.seal({ ...binding, exp: Date.now() + SEALED_FOR_MS });
    record(call, binding, "asked");
    const result = { resultType: "input_required", inputRequests: { [CONFIRM_KEY]: question }, requestState };
    return { kind: "answer", sent: answered(resultResponse(call.request.id, result)) };
  }
  // Only the session object has the client's stream: a Worker hands the call over from the start.
  if (!channel.ask && ctx.at === "worker")
    return { kind: "answer", sent: { kind: "handed-over", handOver: { counted: call.counted } } };
  if (!channel.ask) return refuse(call, binding, "unavailable", "the client takes no stream to be asked on");
  const answer = await channel.ask(question.method, question.params);
  if ("error" in answer) return refuse(call, binding, "unavailable", answer.error.message);
  return accepted(call, binding, answer.result, params);
}

/** A 2026-07-28 retry carrying the gateway's own requestState: the answer, or a later round of a confirmed call. */
async function resume(call: Call, binding: Binding, state: string, params: Params): Promise<Confirmation> {
  const sealed = await call.ctx.seal.open(state);
  const same =
    sealed !== undefined && (Object.keys(binding) as Array<keyof Binding>).every((k) => sealed[k] === binding[k]);
  if (!same || typeof sealed["exp"] !== "number" || sealed["exp"] < Date.now())
    throw errors.invalidParams(
      "requestState is not one this gateway gave for this call (or it expired); call the tool again",
    );
  const { requestState: _ours, inputResponses, ...rest } = params;
  if (typeof sealed["inner"] === "string") {
    // A later round of a confirmed call: the upstream's own state goes back to it.
    return {
      kind: "proceed",
      params: { ...rest, requestState: sealed["inner"], ...(inputResponses ? { inputResponses } : {}) },
      confirmed: binding,
    };
  }
  const { [CONFIRM_KEY]: answer, ...others } = asRecord(inputResponses);
  const forwarded = Object.keys(others).length > 0 ? { ...rest, inputResponses: others } : rest;
  return accepted(call, binding, answer, forwarded);
}

function accepted(call: Call, binding: Binding, answer: unknown, params: Params): Confirmation {
  const { action, content } = asRecord(answer);
  if (action !== "accept" || asRecord(content)["confirm"] !== true) {
    const why = action === "accept" ? "the user did not confirm" : `the user answered '${String(action ?? "nothing")}'`;
    return refuse(call, binding, "declined", why);
  }
  record(call, binding, "confirmed");
  return { kind: "proceed", params, confirmed: binding };
}

function refuse(call: Call, binding: Binding, outcome: "declined" | "unavailable", why: string): never {
  record(call, binding, outcome, why);
  throw outcome === "declined"
    ? errors.confirmationDeclined(binding.server, binding.tool, why)
    : errors.confirmationUnavailable(binding.server, binding.tool, why);
}

/**
 * A confirmed call's next `input_required` for a 2026-07-28 client: its requestState sealed
 * around, so the retry is known to be part of a call the user already confirmed.
 */
export async function sealFollowUp(call: Call, confirmed: Binding | undefined, sent: Sent): Promise<Sent> {
  if (!confirmed || call.channel.era !== "modern" || sent.kind !== "answered" || !("result" in sent.response))
    return sent;
  const result = sent.response.result;
  const inner = result["requestState"];
  if (!isInputRequired(result) || typeof inner !== "string") return sent;
  const requestState = await call.ctx.seal.seal({ ...confirmed, inner, exp: Date.now() + SEALED_FOR_MS });
  return answered(resultResponse(sent.response.id, { ...result, requestState }));
}

async function bindingOf(call: Call, server: string, tool: string, params: Params): Promise<Binding> {
  const { agent, delegate, virtualServer } = call.ctx.identity;
  const args = (await sha256Hex(canonical(params["arguments"] ?? {}))).slice(0, 32);
  return { agent, delegate: delegate ?? null, virtualServer: virtualServer ?? null, server, tool, args };
}

/** The elicitation a person answers: what would run, with which arguments (abridged), and a yes/no. */
function confirmQuestion(binding: Binding, params: Params) {
  const args = JSON.stringify(params["arguments"] ?? {});
  const shown = args.length > 500 ? `${args.slice(0, 500)}…` : args;
  return {
    method: "elicitation/create",
    params: {
      message: `Allow '${binding.tool}' on '${binding.server}'? It may change or delete data. Arguments: ${shown}`,
      requestedSchema: {
        type: "object",
        properties: {
          confirm: { type: "boolean", title: "Run it", description: `Run '${binding.tool}' with these arguments` },
        },
        required: ["confirm"],
      },
    },
  };
}

function record(call: Call, binding: Binding, action: string, reason?: string): void {
  const line = auditLine(call.ctx, {
    kind: "guard",
    method: "tools/call",
    server: binding.server,
    name: binding.tool,
    guard: "confirmDestructive",
    action,
    side: "request",
    ...(reason ? { reason } : {}),
  });
  audit(line);
}
