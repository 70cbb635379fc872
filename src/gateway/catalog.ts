// The per-isolate cache of each upstream's tools, prompts, resources and templates,
// keyed by (registration, fingerprint, kind) so that a changed URL or credential starts
// afresh. Lists are fetched in parallel, following the upstream's own pagination to the
// end, kept for `catalogTtlSeconds` (or the upstream's shorter `ttlMs`), and forgotten on
// list_changed. One failing upstream never breaks the others: it is skipped and named in
// `failures`. An expired entry is still used to route calls, never to answer lists.
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { isErrorResponse, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { LISTS, type ListKind } from "../mcp/methods.js";
import { log } from "../observe/log.js";
import type { HandOver, Upstream } from "./upstreams.js";

export type { ListKind } from "../mcp/methods.js";

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
  /** This invocation could not fetch some list: the owner of the upstream sessions must answer. */
  handOver?: HandOver;
}

const cache = new Map<string, ServerItems>();
/** Lists whose upstream said `cacheScope: private`: cached per agent from then on. */
const privateLists = new Set<string>();
let versions = 0;

function sharedKey(upstream: Upstream, kind: ListKind): string {
  return `${upstream.server.name}|${upstream.server.fingerprint}|${kind}`;
}

function cacheKey(upstream: Upstream, kind: ListKind, agent: string | undefined): string {
  const key = sharedKey(upstream, kind);
  return privateLists.has(key) ? `${key}|agent:${agent ?? ""}` : key;
}

/** Lists of every given upstream, fresh or from cache, fetched in parallel. */
export async function collect(
  kind: ListKind,
  upstreams: readonly Upstream[],
  snapshot: ConfigSnapshot,
  agent?: string,
): Promise<Collected> {
  const settled = await Promise.allSettled(upstreams.map((upstream) => listOf(kind, upstream, snapshot, agent)));
  const collected: Collected = { lists: [], failures: [] };
  settled.forEach((outcome, i) => {
    const server = upstreams[i]!.server.name;
    if (outcome.status === "rejected") {
      const error =
        outcome.reason instanceof GatewayError ? outcome.reason : errors.upstreamError(server, "list failed");
      collected.failures.push({ server, error });
      log("warn", "upstream.list_failed", { server, kind, code: error.code, reason: error.message });
    } else if ("handOver" in outcome.value) collected.handOver ??= outcome.value.handOver;
    else collected.lists.push(outcome.value);
  });
  return collected;
}

/** The last list seen for routing, even when expired or the upstream is now failing. */
export function lastKnown(kind: ListKind, upstream: Upstream, agent?: string): ServerItems | undefined {
  return cache.get(cacheKey(upstream, kind, agent));
}

async function listOf(
  kind: ListKind,
  upstream: Upstream,
  snapshot: ConfigSnapshot,
  agent: string | undefined,
): Promise<ServerItems | { handOver: HandOver }> {
  const cached = cache.get(cacheKey(upstream, kind, agent));
  if (cached && cached.expiresAt > Date.now()) return cached;
  const state = await upstream.describe();
  if (!state) return { handOver: { counted: false } };
  const fetched: Fetched | { handOver: HandOver } =
    state.capabilities[LISTS[kind].capability] === undefined
      ? { items: [] }
      : await fetchAllPages(kind, upstream, snapshot.settings.maxListItems);
  if ("handOver" in fetched) return fetched;
  const maxTtlMs = snapshot.settings.catalogTtlSeconds * 1000;
  const ttlMs = fetched.ttlMs === undefined ? maxTtlMs : Math.min(fetched.ttlMs, maxTtlMs);
  const scope = fetched.cacheScope === "private" ? "private" : "public";
  if (scope === "private") privateLists.add(sharedKey(upstream, kind));
  else privateLists.delete(sharedKey(upstream, kind));
  const entry: ServerItems = {
    server: upstream.server.name,
    items: fetched.items,
    version: ++versions,
    expiresAt: Date.now() + ttlMs,
    scope,
  };
  cache.set(cacheKey(upstream, kind, agent), entry);
  return entry;
}

interface Fetched {
  items: Item[];
  ttlMs?: number;
  cacheScope?: unknown;
}

async function fetchAllPages(
  kind: ListKind,
  upstream: Upstream,
  maxItems: number,
): Promise<Fetched | { handOver: HandOver }> {
  const fetched: Fetched = { items: [] };
  const seen = new Set<string>();
  const { method } = LISTS[kind];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const sent = await upstream.fetch(method, cursor === undefined ? undefined : { cursor });
    if (sent.kind === "handed-over") return { handOver: sent.handOver };
    const next = addPage(kind, upstream.server.name, sent.response, fetched, maxItems);
    if (next === undefined) return fetched;
    if (seen.has(next)) throw errors.upstreamError(upstream.server.name, `${method} repeated a cursor`);
    seen.add(next);
    cursor = next;
  }
  throw errors.upstreamError(upstream.server.name, `${method} returned more than ${MAX_PAGES} pages`);
}

/** Adds one page to what was fetched; returns the next cursor, if any. */
function addPage(
  kind: ListKind,
  server: string,
  response: JsonRpcResponse,
  fetched: Fetched,
  maxItems: number,
): string | undefined {
  const { method, field } = LISTS[kind];
  if (isErrorResponse(response)) throw errors.upstreamError(server, `${method} failed: ${response.error.message}`);
  const pageItems = response.result[field];
  if (!Array.isArray(pageItems)) throw errors.upstreamError(server, `${method} returned no list`);
  for (const item of pageItems) if (isItem(item)) fetched.items.push(item);
  if (fetched.items.length > maxItems) {
    throw errors.upstreamError(server, `${method} returned more than ${maxItems} items (settings.maxListItems)`);
  }
  const ttlMs = response.result["ttlMs"];
  if (typeof ttlMs === "number" && Number.isSafeInteger(ttlMs) && ttlMs >= 0)
    fetched.ttlMs = Math.min(fetched.ttlMs ?? ttlMs, ttlMs);
  if (response.result["cacheScope"] === "private") fetched.cacheScope = "private";
  const next = response.result["nextCursor"];
  return typeof next === "string" && next !== "" ? next : undefined;
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
