// Tasks (2025-11-25, task-augmented `tools/call`) through the gateway. A 2025 client's
// `tasks/get`, `tasks/result` and `tasks/cancel` name a task by the sealed id the gateway
// gave it (task-ids.ts): the request goes to that task's upstream through the call
// pipeline (forward.ts: policy for the task's tool, placement, the client in the loop for
// the questions `tasks/result` relays, that tool's response guards and result limit, one
// audit line), and the answer carries the client's id again. `tasks/list` is not offered:
// a merged list could not say which tool each task runs, so its guards could not apply.
// How a tools/call itself becomes a task (relayed, or run as one for a client that did
// not ask) is task-bridge.ts's.
import { errors } from "../../mcp/errors.js";
import { asRecord, resultResponse } from "../../mcp/jsonrpc.js";
import type { Answer, Call, Params } from "../call.js";
import { forward } from "../forward.js";
import { guard } from "../targets.js";
import { answered, type Sent } from "../upstreams.js";
import { openTaskId, RELATED_TASK } from "./task-ids.js";

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
