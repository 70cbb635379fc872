// What a client is told about tasks (2025-11-25), pure: whether an upstream runs
// task-augmented tools/call, and how a tool's `execution.taskSupport` reads through the
// gateway. A tool the upstream runs only as a task ("required") is run as one for any
// client that does not ask (task-bridge.ts), so a 2025 client may call it either way
// ("optional"); a 2026-07-28 client has no such tasks, and is told nothing of them.
import { asRecord } from "../../mcp/jsonrpc.js";
import type { Era } from "../../mcp/versions.js";

/** Whether these upstream capabilities declare task-augmented tools/call (`tasks.requests.tools.call`). */
export function taskCallsOf(capabilities: Record<string, unknown> | undefined): boolean {
  const requests = asRecord(asRecord(asRecord(capabilities)["tasks"])["requests"]);
  return asRecord(requests["tools"])["call"] !== undefined;
}

/** Whether these upstream capabilities declare tasks/list. */
export function taskListsOf(capabilities: Record<string, unknown> | undefined): boolean {
  return taskCallsOf(capabilities) && asRecord(asRecord(capabilities)["tasks"])["list"] !== undefined;
}

/** Tool definitions as a client of this era sees them through the gateway (the same array when nothing changes). */
export function toolsForClient(tools: readonly unknown[], era: Era): readonly unknown[] {
  if (!tools.some((tool) => asRecord(asRecord(tool)["execution"])["taskSupport"] !== undefined)) return tools;
  return tools.map((tool) => {
    const execution = asRecord(asRecord(tool)["execution"]);
    const support = execution["taskSupport"];
    if (support === undefined) return tool;
    const { taskSupport: _support, ...rest } = execution;
    const shown = era === "modern" ? rest : { ...rest, taskSupport: support === "required" ? "optional" : support };
    const { execution: _execution, ...definition } = asRecord(tool);
    return Object.keys(shown).length > 0 ? { ...definition, execution: shown } : definition;
  });
}
