// Each upstream's tools, prompts, resources and resource templates, fetched with every
// page followed and cached per isolate by (server, registration fingerprint, kind).
// One failing upstream never breaks the others: it is skipped and named in `failures`.
// An expired entry is still used to route calls, never to answer lists.
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { isErrorResponse } from "../mcp/jsonrpc.js";
import type { UpstreamLink } from "../upstream/upstream-link.js";
import { log } from "../observe/log.js";

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
}

export interface Collected {
  lists: ServerItems[];
  failures: Array<{ server: string; error: GatewayError }>;
}

interface Entry extends ServerItems {
  expiresAt: number;
}

const cache = new Map<string, Entry>();
let versions = 0;

function cacheKey(link: UpstreamLink, kind: ListKind): string {
  return `${link.server.name}|${link.server.fingerprint}|${kind}`;
}

/** Lists of every given upstream, fresh or from cache, fetched in parallel. */
export async function collect(
  kind: ListKind,
  links: readonly UpstreamLink[],
  snapshot: ConfigSnapshot,
): Promise<Collected> {
  const settled = await Promise.allSettled(links.map((link) => listOf(kind, link, snapshot)));
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
export function lastKnown(kind: ListKind, link: UpstreamLink): ServerItems | undefined {
  return cache.get(cacheKey(link, kind));
}

async function listOf(kind: ListKind, link: UpstreamLink, snapshot: ConfigSnapshot): Promise<ServerItems> {
  const key = cacheKey(link, kind);
  const cached = cache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached;
  const state = await link.open();
  const items = state.capabilities[CAPABILITY[kind]] === undefined ? [] : await fetchAllPages(kind, link);
  const entry: Entry = {
    server: link.server.name,
    items,
    version: ++versions,
    expiresAt: Date.now() + snapshot.settings.catalogTtlSeconds * 1000,
  };
  cache.set(key, entry);
  return entry;
}

async function fetchAllPages(kind: ListKind, link: UpstreamLink): Promise<Item[]> {
  const items: Item[] = [];
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
    const next = response.result["nextCursor"];
    if (typeof next !== "string" || next === "") return items;
    if (seen.has(next)) throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} repeated a cursor`);
    seen.add(next);
    cursor = next;
  }
  throw errors.upstreamError(link.server.name, `${LIST_METHOD[kind]} returned more than ${MAX_PAGES} pages`);
}

function isItem(value: unknown): value is Item {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Forgets every cached list (tests, and list_changed once notifications are relayed). */
export function clearCatalog(server?: string): void {
  for (const key of cache.keys()) if (server === undefined || key.startsWith(`${server}|`)) cache.delete(key);
}
