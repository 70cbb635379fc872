// A task's id as the client sees it (2025-11-25 tasks): the upstream's own id sealed with
// the server and tool it runs on and the identity that created it, so that `tasks/get`,
// `tasks/result` and `tasks/cancel` reach the right upstream, apply that tool's guards
// and policy, and cannot be forged, altered or used by another agent, sub-agent or
// endpoint. Signed by the same seal as the gateway's own `requestState`s.
import { errors } from "../../mcp/errors.js";
import { asRecord, type JsonRpcNotification } from "../../mcp/jsonrpc.js";
import type { CallContext } from "../context.js";

export const TASK_STATUS = "notifications/tasks/status";

/** The key of the protocol's `_meta` entry that ties a message to its task. */
export const RELATED_TASK = "io.modelcontextprotocol/related-task";

export interface TaskRef {
  server: string;
  tool: string;
  /** The upstream's own id of the task. */
  taskId: string;
}

export async function clientTaskId(ctx: CallContext, ref: TaskRef): Promise<string> {
  return ctx.seal.seal({ kind: "task", ...ref, ...owner(ctx) });
}

/** The task a client's id names; refused (-32602, as for an unknown task) when it is not one this caller got. */
export async function openTaskId(ctx: CallContext, taskId: unknown): Promise<TaskRef> {
  const sealed = typeof taskId === "string" ? await ctx.seal.open(taskId) : undefined;
  const who = owner(ctx);
  const ours =
    sealed?.["kind"] === "task" &&
    (Object.keys(who) as Array<keyof typeof who>).every((key) => sealed[key] === who[key]) &&
    typeof sealed["server"] === "string" &&
    typeof sealed["tool"] === "string" &&
    typeof sealed["taskId"] === "string";
  if (!ours) throw errors.invalidParams("Failed to retrieve task: Task not found");
  return { server: sealed["server"] as string, tool: sealed["tool"] as string, taskId: sealed["taskId"] as string };
}

function owner(ctx: CallContext) {
  const { agent, delegate, virtualServer } = ctx.identity;
  return { agent, delegate: delegate ?? null, virtualServer: virtualServer ?? null };
}

/**
 * An upstream's `notifications/tasks/status` as the client sees it: under its task's sealed
 * id (the same one the client was given); undefined for a task this session did not create
 * through the gateway, which the client has no id for.
 */
export async function clientTaskStatus(
  ctx: CallContext,
  server: string,
  notification: JsonRpcNotification,
): Promise<JsonRpcNotification | undefined> {
  const params = asRecord(notification.params);
  const taskId = params["taskId"];
  const tool = typeof taskId === "string" ? ctx.session.taskTool?.(server, taskId) : undefined;
  if (tool === undefined || typeof taskId !== "string") return undefined;
  return { ...notification, params: { ...params, taskId: await clientTaskId(ctx, { server, tool, taskId }) } };
}
