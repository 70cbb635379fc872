// Fetching one upstream's whole list: its own pagination followed to the end (within
// MAX_PAGES and settings.maxListItems), with the cache hints it gave (`ttlMs`,
// `cacheScope`). Caching and merging are the catalog's.
import { errors } from "../mcp/errors.js";
import { isErrorResponse, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { LISTS, type ListKind } from "../mcp/methods.js";
import type { HandOver, Upstream } from "./upstreams.js";

/** A runaway upstream paginating forever is cut off here. */
const MAX_PAGES = 100;

export type Item = Record<string, unknown>;

export interface FetchedList {
  items: Item[];
  ttlMs?: number;
  cacheScope?: "private";
}

export async function fetchAllPages(
  kind: ListKind,
  upstream: Upstream,
  maxItems: number,
  /** What each page's params become before they are sent (a trace context added). */
  traced: (params: Record<string, unknown> | undefined) => Record<string, unknown> | undefined = (params) => params,
): Promise<FetchedList | { handOver: HandOver }> {
  const fetched: FetchedList = { items: [] };
  const seen = new Set<string>();
  const { method } = LISTS[kind];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const sent = await upstream.fetch(method, traced(cursor === undefined ? undefined : { cursor }));
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
  fetched: FetchedList,
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
