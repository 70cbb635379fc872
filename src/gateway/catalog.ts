// Each upstream's tools, prompts, resources and resource templates, fetched with every
// page followed and cached per isolate by (server, registration fingerprint, kind).
// A current-era upstream's `ttlMs` shortens the stay (never lengthens it past
// settings.catalogTtlSeconds), and a list it marks `cacheScope: private` is cached per
// agent, never shared across principals. `notifications/*/list_changed` forgets a list.
// One failing upstream never breaks the others: it is skipped and named in `failures`.
// An expired entry is still used to route calls, never to answer lists.
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { isErrorResponse } from "../mcp/jsonrpc.js";
import type { Link as UpstreamLink } from "../upstream/link.js";
import { log } from "../observe/log.js";
import { answersElsewhere } from "../upstream/elsewhere.js";

export type ListKind = "tools" | "prompts" | "resources" | "resourceTemplates";

const LIST_METHOD: Record<ListKind, string> = {
  tools: "tools/list",
  prompts: "prompts/list",
  resources: "resources/list",
  resourceTemplates: "resources/templates/list",
};
const RESULT_FIELD: Record<ListKind, string> = {
  tools: "tools",
  prompts: "prompts",
  resources: "resources",
  resourceTemplates: "resourceTemplates",
};
const CAPABILITY: Record<ListKind, string> = {
  tools: "tools",
  prompts: "prompts",
  resources: "resources",
  resourceTemplates: "resources",
};
/** A runaway upstream paginating forever is cut off here. */
const MAX_PAGES = 100;

export type Item = Record<string, unknown>;

export interface ServerItems {
  server: string;
  items: readonly Item[];
  /** Increases with every fetch: views derived from the lists are keyed by it. */
  version: number;
  /** When this list stops being served from the cache (ms since the epoch). */
  expiresAt: number;
  /** The upstream's own cache scope; lists without one are shared. */
  scope: "public" | "private";
}

export interface Collected {
  lists: ServerItems[];
  failures: Array<{ server: string; error: GatewayError }>;
}

type Entry = ServerItems;

const cache = new Map<string, Entry>();
/** Lists whose upstream said `cacheScope: private`: cached per agent from then on. */
const privateLists = new Set<string>();
let versions = 0;

function cacheKey(link: UpstreamLink, kind: ListKind, agent: string | undefined): string {
  const key = `${link.server.name}|${link.server.fingerprint}|${kind}`;
  return privateLists.has(key) ? `${key}|agent:${agent ?? ""}` : key;
}

/** Lists of every given upstream, fresh or from cache, fetched in parallel. */
export async function collect(
  kind: ListKind,
  links: readonly UpstreamLink[],
  snapshot: ConfigSnapshot,
  agent?: string,
): Promise<Collected> {
  const settled = await Promise.allSettled(links.map((link) => listOf(kind, link, snapshot, agent)));
  // A borrowed session that cannot serve here is not a failing upstream: its owner answers.
  const elsewhere = settled.find((o) => o.status === "rejected" && answersElsewhere(o.reason));
  if (elsewhere) throw (elsewhere as PromiseRejectedResult).reason;
  const collected: Collected = { lists: [], failures: [] };
  settled.forEach((outcome, i) => {
    const server = links[i]!.server.name;
    if (outcome.status === "fulfilled") collected.lists.push(outcome.value);
    else {
      const error =
        outcome.reason instanceof GatewayError ? outcome.reason : errors.upstreamError(server, "list failed");
      collected.failures.push({ server, error });
      log("warn", "upstream.list_failed", { server, kind, code: error.code, reason: error.message });
    }
  });
  return collected;
}

/** The last list seen for routing, even when expired or the upstream is now failing. */
export function lastKnown(kind: ListKind, link: UpstreamLink, agent?: string): ServerItems | undefined {
  return cache.get(cacheKey(link, kind, agent));
}

async function listOf(
  kind: ListKind,
  link: UpstreamLink,
  snapshot: ConfigSnapshot,
  agent: string | undefined,
): Promise<ServerItems> {
  const cached = cache.get(cacheKey(link, kind, agent));
  if (cached && cached.expiresAt > Date.now()) return cached;
  const state = await link.open();
  const fetched: Fetched =
    state.capabilities[CAPABILITY[kind]] === undefined
      ? { items: [] }
      : await fetchAllPages(kind, link, snapshot.settings.maxListItems);
  const maxTtlMs = snapshot.settings.catalogTtlSeconds * 1000;
  const ttlMs = fetched.ttlMs === undefined ? maxTtlMs : Math.min(fetched.ttlMs, maxTtlMs);
  const scope = fetched.cacheScope === "private" ? "private" : "public";
  const shared = `${link.server.name}|${link.server.fingerprint}|${kind}`;
  if (scope === "private") privateLists.add(shared);
  else privateLists.delete(shared);
  const entry: Entry = {
    server: link.server.name,
    items: fetched.items,
    version: ++versions,
    expiresAt: Date.now() + ttlMs,
    scope,
  };
  cache.set(cacheKey(link, kind, agent), entry);
  return entry;
}

interface Fetched {
  items: Item[];
  ttlMs?: number;
  cacheScope?: unknown;
}

async function fetchAllPages(kind: ListKind, link: UpstreamLink, maxItems: number): Promise<Fetched> {
  const fetched: Fetched = { items: [] };
  const items = fetched.items;
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await link.request(LIST_METHOD[kind], cursor === undefined ? undefined : { cursor });
    if (isErrorResponse(response)) {
      throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} failed: ${response.error.message}`);
    }
    const pageItems = response.result[RESULT_FIELD[kind]];
    if (!Array.isArray(pageItems))
      throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} returned no list`);
    for (const item of pageItems) if (isItem(item)) items.push(item);
    if (items.length > maxItems) {
      const why = `${LIST_METHOD[kind]} returned more than ${maxItems} items (settings.maxListItems)`;
      throw errors.upstreamError(link.server.name, why);
    }
    const ttlMs = response.result["ttlMs"];
    if (typeof ttlMs === "number" && Number.isSafeInteger(ttlMs) && ttlMs >= 0)
      fetched.ttlMs = Math.min(fetched.ttlMs ?? ttlMs, ttlMs);
    if (response.result["cacheScope"] === "private") fetched.cacheScope = "private";
    const next = response.result["nextCursor"];
    if (typeof next !== "string" || next === "") return fetched;
    if (seen.has(next)) throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} repeated a cursor`);
    seen.add(next);
    cursor = next;
  }
  throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} returned more than ${MAX_PAGES} pages`);
}

function isItem(value: unknown): value is Item {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Forgets cached lists: all, one server's, or one kind of one server's (list_changed). */
export function clearCatalog(server?: string, kind?: ListKind): void {
  for (const key of cache.keys()) {
    if (server !== undefined && !key.startsWith(`${server}|`)) continue;
    if (kind !== undefined && key.split("|")[2] !== kind) continue;
    cache.delete(key);
  }
}

/** The ListKinds a `notifications/<x>/list_changed` from an upstream makes stale. */
export function kindsChangedBy(method: string): ListKind[] {
  if (method === "notifications/tools/list_changed") return ["tools"];
  if (method === "notifications/prompts/list_changed") return ["prompts"];
  if (method === "notifications/resources/list_changed") return ["resources", "resourceTemplates"];
  return [];
}
