// The merged lists: tools and prompts under their mapped names, resources and templates
// by URI, each filtered by this principal's policy, paged with the gateway's own cursors,
// with cache hints and, when upstreams failed, which ones and why.
import { GATEWAY_META } from "../mcp/gateway-info.js";
import type { ListKind } from "../mcp/methods.js";
import { paginate } from "../mcp/pagination.js";
import { result, type Answer, type Call, type Params } from "./call.js";
import type { Collected, ServerItems } from "./catalog.js";
import type { CallContext } from "./context.js";
import { exposedToolList } from "./exposed-tools.js";
import { auditFiltered } from "./record.js";
import { collectFor, visibleNamedOf } from "./targets.js";
import { namedView, uriView } from "./views.js";
import { visibleUris } from "./visible-views.js";
import { toolsForClient } from "./tasks/task-support.js";

export async function list(kind: ListKind, call: Call, params: Params): Promise<Answer> {
  const { ctx } = call;
  const collected = await collectFor(kind, ctx);
  if (collected.handOver) return { kind: "handed-over", handOver: collected.handOver };
  const { visible, total } = shownOf(kind, collected.lists, ctx);
  auditFiltered(ctx, call.request.method, visible.items.length, total.items.length);
  const page = paginate(visible.items, params["cursor"], ctx.snapshot.settings.pageSize, visible.fingerprint);
  const items = kind === "tools" ? toolsForClient(page.items, call.channel.era) : page.items;
  return result(listResult(kind, { ...page, items }, collected));
}

/** The list as this principal is shown it (tools as its exposure says), and all there was. */
function shownOf(kind: ListKind, lists: readonly ServerItems[], ctx: CallContext) {
  if (kind === "tools") return { visible: exposedToolList(lists, ctx), total: namedView(kind, lists, ctx.snapshot) };
  if (kind === "prompts")
    return { visible: visibleNamedOf(kind, lists, ctx), total: namedView(kind, lists, ctx.snapshot) };
  const merged = uriView(kind, lists);
  return { visible: visibleUris(kind, merged, ctx.policy), total: merged };
}

function listResult(kind: string, page: { items: readonly unknown[]; nextCursor?: string }, collected: Collected) {
  const unavailable = collected.failures.map(({ server, error }) => ({
    server,
    code: error.code,
    message: error.message,
  }));
  return {
    [kind]: page.items,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    ...cacheHints(collected),
    ...(unavailable.length > 0 ? { _meta: { [GATEWAY_META.unavailable]: unavailable } } : {}),
  };
}

/**
 * What a client may cache, as the gateway caches it: until the first of the merged lists
 * expires here, and only for this principal (lists are filtered per agent).
 */
function cacheHints(collected: Collected): { ttlMs: number; cacheScope: "private" } {
  const now = Date.now();
  const expiries = collected.lists.map((list) => list.expiresAt - now);
  const ttlMs = collected.failures.length > 0 || expiries.length === 0 ? 0 : Math.max(0, Math.min(...expiries));
  return { ttlMs: Math.floor(ttlMs), cacheScope: "private" };
}
