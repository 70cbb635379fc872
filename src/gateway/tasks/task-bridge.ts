// How a tools/call meets the 2025-11-25 tasks of its upstream (forward.ts asks once per
// call). A 2025 client that asks for a task (`params.task`) of an upstream that runs tasks
// gets it relayed, under a sealed id (task-ids.ts). A tool the upstream runs only as a task
// (`taskSupport: "required"`) is run as one for any client that did not ask, so that it
// works like any tool: the gateway creates the task and waits for its result with
// `tasks/result` (which relays the task's questions and progress), and cancels the task
// when the client gives up. Everything else is a plain call; a current-era client's
// `task` parameter is dropped (its era has no such tasks).
import { asRecord, resultResponse, type JsonRpcResponse } from "../../mcp/jsonrpc.js";
import { HELD_REQUEST_STATE_PREFIX } from "../../mcp/gateway-info.js";
import type { Call, Params } from "../call.js";
import { clientOptions } from "../client-loop.js";
import { toolDefinition } from "../guards/tool-definition.js";
import type { CallPlacement } from "../placement.js";
import { answered, type Sent, type Upstream } from "../upstreams.js";
import { clientTaskId, RELATED_TASK, type TaskRef } from "./task-ids.js";
import { taskCallsOf } from "./task-support.js";

export type TaskMode = "relay" | "bridge" | "plain";

export async function taskModeOf(call: Call, upstream: Upstream, tool: string, params: Params): Promise<TaskMode> {
  if (call.request.method !== "tools/call") return "plain";
  if (params["task"] !== undefined)
    return call.channel.era === "legacy" && (await runsTasks(upstream)) ? "relay" : "plain";
  const requestState = params["requestState"];
  if (typeof requestState === "string" && requestState.startsWith(HELD_REQUEST_STATE_PREFIX)) return "plain";
  const definition = await toolDefinition(call.ctx, upstream, tool);
  const support = asRecord(asRecord(definition)["execution"])["taskSupport"];
  return support === "required" && (await runsTasks(upstream)) ? "bridge" : "plain";
}

async function runsTasks(upstream: Upstream): Promise<boolean> {
  return taskCallsOf((await upstream.describe())?.capabilities);
}

/** The params without a task the client asked for where none can be had. */
export function withoutTask(params: Params): Params {
  if (!("task" in params)) return params;
  const { task: _task, ...rest } = params;
  return rest;
}

/** Runs a call as a task for a client that did not ask for one: create it, wait for its result, cancel it if the client gives up. */
export async function runAsTask(
  call: Call,
  upstream: Upstream,
  placement: CallPlacement,
  params: Params,
): Promise<Sent> {
  const { sent, options } = clientOptions(call, upstream.server.name, params);
  const created = await upstream.send(placement, "tools/call", { ...sent, task: {} }, options);
  if (created.kind !== "answered" || !("result" in created.response)) return created;
  const taskId = asRecord(created.response.result["task"])["taskId"];
  // An upstream that ran it at once answered with the result itself.
  if (typeof taskId !== "string") return created;
  const signal = call.channel.signal;
  const cancel = () =>
    call.ctx.background(upstream.send(placement, "tasks/cancel", { taskId }, {}).catch(() => undefined));
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    const done = await upstream.send(placement, "tasks/result", { taskId }, options);
    return done.kind === "answered" ? answered(withoutRelatedTask(done.response)) : done;
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}

/**
 * A task-augmented tools/call's answer: the task the upstream created, under a sealed id
 * that names its server and tool. Anything else (an error, a plain result from an upstream
 * that ran it at once) is left as it is.
 */
export async function sealCreatedTask(call: Call, upstream: Upstream, tool: string, sent: Sent): Promise<Sent> {
  if (sent.kind !== "answered" || !("result" in sent.response)) return sent;
  const task = asRecord(sent.response.result["task"]);
  if (typeof task["taskId"] !== "string") return sent;
  const ref: TaskRef = { server: upstream.server.name, tool, taskId: task["taskId"] };
  const taskId = await clientTaskId(call.ctx, ref);
  await call.ctx.session.rememberTask?.(ref.server, ref.taskId, tool);
  return answered(resultResponse(sent.response.id, { ...sent.response.result, task: { ...task, taskId } }));
}

/** A result without the related-task key (a bridged call's client never asked for a task). */
export function withoutRelatedTask(response: JsonRpcResponse): JsonRpcResponse {
  if (!("result" in response)) return response;
  const meta = asRecord(response.result["_meta"]);
  if (meta[RELATED_TASK] === undefined) return response;
  const { [RELATED_TASK]: _task, ...rest } = meta;
  const { _meta: _old, ...result } = response.result;
  return resultResponse(response.id, Object.keys(rest).length > 0 ? { ...result, _meta: rest } : result);
}
