// What the gateway advertises to a client (at initialize, or in server/discover): the
// union of what its visible upstreams can do. Pure. List changes are relayed from every
// upstream, so `listChanged` is always on; `resources.subscribe` only when an upstream
// supports subscriptions; `tasks` (task-augmented tools/call) for 2025 clients only.

import { taskCallsOf, taskListsOf } from "./tasks/task-support.js";

type Capabilities = Record<string, unknown>;

/** Capabilities seen per registration fingerprint, for upstreams slow to answer initialize. */
const seen = new Map<string, Capabilities>();

export function rememberCapabilities(fingerprint: string, capabilities: Capabilities): void {
  seen.set(fingerprint, capabilities);
}

export function rememberedCapabilities(fingerprint: string): Capabilities | undefined {
  return seen.get(fingerprint);
}

/**
 * `tasks` only for a 2025 client (`withTasks`), when an upstream runs task-augmented
 * tools/call: the gateway relays those, and their get, result, cancel and list.
 */
export function advertisedCapabilities(upstreams: readonly Capabilities[], withTasks = false): Capabilities {
  const has = (name: string) => upstreams.some((c) => c[name] !== undefined && c[name] !== null);
  const subscribes = upstreams.some((c) => (c["resources"] as { subscribe?: unknown } | undefined)?.subscribe === true);
  const union: Capabilities = { tools: { listChanged: true } };
  if (has("prompts")) union["prompts"] = { listChanged: true };
  if (has("resources")) union["resources"] = { listChanged: true, ...(subscribes ? { subscribe: true } : {}) };
  if (has("completions")) union["completions"] = {};
  if (has("logging")) union["logging"] = {};
  if (withTasks && upstreams.some(taskCallsOf)) {
    const cancels = upstreams.some((c) => taskCallsOf(c) && (c["tasks"] as { cancel?: unknown }).cancel !== undefined);
    const lists = upstreams.some(taskListsOf);
    union["tasks"] = {
      ...(lists ? { list: {} } : {}),
      ...(cancels ? { cancel: {} } : {}),
      requests: { tools: { call: {} } },
    };
  }
  return union;
}
