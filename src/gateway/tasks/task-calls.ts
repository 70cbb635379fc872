// Tasks (2025-11-25, task-augmented `tools/call`) through the gateway. A 2025 client's
// `tasks/get`, `tasks/result` and `tasks/cancel` name a task by the sealed id the gateway
// gave it (task-ids.ts): the request goes to that task's upstream through the call
// pipeline (forward.ts: policy for the task's tool, placement, the client in the loop for
// the questions `tasks/result` relays, that tool's response guards and result limit, one
// audit line), and the answer carries the client's id again. `tasks/list` merges the
// lists of the upstreams that offer one, keeping the tasks this session created through
// the gateway (the session's task book says which tool each runs) that the caller may
// still reach, each under its sealed id.
// How a tools/call itself becomes a task (relayed, or run as one for a client that did
// not ask) is task-bridge.ts's.
import { errors } from "../../mcp/errors.js";
import { asRecord, resultResponse } from "../../mcp/jsonrpc.js";
import { paginate } from "../../mcp/pagination.js";
import { result, type Answer, type Call, type Params } from "../call.js";
import { forward } from "../forward.js";
import { guard } from "../targets.js";
import { answered, type Sent, type Upstream } from "../upstreams.js";
import { clientTaskId, openTaskId, RELATED_TASK } from "./task-ids.js";
import { taskListsOf } from "./task-support.js";

/** tasks/get, tasks/result, tasks/cancel: on the task's own upstream, with the client's id in the answer. */
export async function taskRequest(call: Call, params: Params): Promise<Answer> {
  const method = call.request.method;
  const clientId = params["taskId"];
  const ref = await openTaskId(call.ctx, clientId);
  const upstream = call.ctx.upstreams.find((u) => u.server.name === ref.server);
  if (!upstream) throw errors.invalidParams("Failed to retrieve task: Task not found");
  guard("tools", ref.server, ref.tool, call.ctx);
  const sent = await forward(
    call,
    method,
    upstream,
    { ...params, taskId: ref.taskId },
    { kind: "tools", name: ref.tool },
  );
  return withClientId(sent, clientId as string);
}

/** The answer with the client's id where the upstream put its own (a task's `taskId`, a result's related-task). */
function withClientId(sent: Sent, clientId: string): Sent {
  if (sent.kind !== "answered" || !("result" in sent.response)) return sent;
  const { result } = sent.response;
  const rewritten: Params = { ...result };
  if (typeof result["taskId"] === "string") rewritten["taskId"] = clientId;
  const meta = asRecord(result["_meta"]);
  if (meta[RELATED_TASK] !== undefined) rewritten["_meta"] = { ...meta, [RELATED_TASK]: { taskId: clientId } };
  return answered(resultResponse(sent.response.id, rewritten));
}

/** Upstream list pages read per upstream at most: a runaway upstream cannot hold the request. */
const MAX_TASK_PAGES = 10;

/** tasks/list: this session's tasks on every visible upstream that lists tasks, paginated by the gateway. */
export async function listTasks(call: Call, params: Params): Promise<Answer> {
  const { ctx } = call;
  const listed = await Promise.all(ctx.upstreams.map((upstream) => tasksOf(call, upstream)));
  const tasks = listed.flat();
  const fingerprint = tasks.map((task) => task["taskId"]).join("\n");
  const page = paginate(tasks, params["cursor"], ctx.snapshot.settings.pageSize, fingerprint);
  return result({ tasks: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
}

async function tasksOf(call: Call, upstream: Upstream): Promise<Params[]> {
  const { ctx } = call;
  const server = upstream.server.name;
  const state = await upstream.describe().catch(() => undefined);
  if (state?.era !== "legacy" || !taskListsOf(state.capabilities)) return [];
  const found: Params[] = [];
  let cursor: unknown;
  for (let page = 0; page < MAX_TASK_PAGES; page++) {
    const sent = await upstream.fetch("tasks/list", cursor === undefined ? {} : { cursor });
    if (sent.kind !== "answered" || !("result" in sent.response)) break;
    for (const task of asArray(sent.response.result["tasks"])) {
      const upstreamId = asRecord(task)["taskId"];
      const tool = typeof upstreamId === "string" ? ctx.session.taskTool?.(server, upstreamId) : undefined;
      if (tool === undefined || !ctx.policy.decide("tools", server, tool).allowed) continue;
      const taskId = await clientTaskId(ctx, { server, tool, taskId: upstreamId as string });
      found.push({ ...asRecord(task), taskId });
    }
    cursor = sent.response.result["nextCursor"];
    if (typeof cursor !== "string") break;
  }
  return found;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
