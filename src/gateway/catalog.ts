// The per-isolate cache of each upstream's tools, prompts, resources and templates.
//
// A list is cached under what it can depend on: the registration (its fingerprint, so a
// changed URL or credential starts afresh; for tools, the pins it was checked against, see
// pins/pin-check.ts), and its scope: the upstream session it was
// listed on (a legacy server may list differently per session: per-session resources,
// tools offered only to clients that declared a capability), shared when the server is
// current-era (stateless) or its registration says `sharedLists`, and per agent when the
// upstream marked it `cacheScope: private`. Equal lists are kept once and share one
// version, so the views derived from them are shared too.
//
// Lists are fetched in parallel (one fetch per list at a time, however many ask), kept for
// `catalogTtlSeconds` (or the upstream's shorter `ttlMs`), and forgotten on list_changed.
// One failing upstream never breaks the others: it is named in `failures`. With a
// deadline, an upstream later than it is left out (and not waited for again until it
// answers), while its fetch goes on in the background. An expired entry still routes
// calls, never answers lists.
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { LISTS, type ListKind } from "../mcp/methods.js";
import { log } from "../observe/log.js";
import { sha256Hex } from "../observe/hash.js";
import type { PinStore } from "../observe/tool-pins.js";
import { fetchAllPages, type Item } from "./list-pages.js";
import { checkPins } from "./pins/pin-check.js";
import { endUpstreamSpan, upstreamSpan, withTraceparent, type Tracing } from "./upstream-spans.js";
import type { HandOver, Upstream } from "./upstreams.js";

export type { ListKind } from "../mcp/methods.js";
export type { Item } from "./list-pages.js";

export interface ServerItems {
  server: string;
  items: readonly Item[];
  /** Identifies the list's content: equal lists share it, and views derived from lists are keyed by it. */
  version: number;
  /** When this list stops being served from the cache (ms since the epoch). */
  expiresAt: number;
  /** Tools left out because their definition drifted from its pin (quarantine), by name: the fingerprint served. */
  withheld?: ReadonlyMap<string, string>;
}

export interface Collected {
  lists: ServerItems[];
  failures: Array<{ server: string; error: GatewayError }>;
  /** This invocation could not fetch some list: the owner of the upstream sessions must answer. */
  handOver?: HandOver;
}

export interface ListRequest {
  snapshot: ConfigSnapshot;
  agent: string;
  /** Keeps a fetch that outlives its deadline going (the invocation's waitUntil). */
  background: (work: Promise<unknown>) => void;
  /** Waits for each upstream at most this long; undefined: as long as its own timeout. */
  deadlineMs: number | undefined;
  /** Where tool definitions are pinned (settings.toolPinning). */
  pins: PinStore;
  /** The span a fetch is traced under, when traces are sent (upstream-spans.ts). */
  tracing?: Tracing;
}

type Listed = ServerItems | { handOver: HandOver };

/** Cached lists kept per isolate; the least recently fetched go first. */
const MAX_CACHED = 20_000;
/** Distinct list contents kept for sharing. */
const MAX_CONTENTS = 2_000;

const cache = new Map<string, ServerItems>();
const contents = new Map<string, { items: readonly Item[]; version: number }>();
const inFlight = new Map<string, Promise<Listed>>();
/** Lists their upstream marked `cacheScope: private`: cached per agent from then on. */
const privateLists = new Set<string>();
/** Upstreams (by registration) that missed a deadline and have not answered a list since. */
const late = new Set<string>();
let versions = 0;

/** Lists of every given upstream, fresh or from cache, fetched in parallel. */
export async function collect(
  kind: ListKind,
  upstreams: readonly Upstream[],
  request: ListRequest,
): Promise<Collected> {
  const settled = await Promise.allSettled(upstreams.map((upstream) => listFor(kind, upstream, request)));
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
export function lastKnown(kind: ListKind, upstream: Upstream, agent: string): ServerItems | undefined {
  return cache.get(cacheKey(upstream, kind, agent));
}

/** An upstream's whole list, fetched under a CLIENT span of the request that needed it. */
async function tracedFetch(kind: ListKind, upstream: Upstream, request: ListRequest) {
  const span = request.tracing && upstreamSpan(request.tracing, LISTS[kind].method, upstream, undefined);
  if (!span) return fetchAllPages(kind, upstream, request.snapshot.settings.maxListItems);
  try {
    const fetched = await fetchAllPages(kind, upstream, request.snapshot.settings.maxListItems, (params) =>
      withTraceparent(params ?? {}, span),
    );
    endUpstreamSpan(span, "handOver" in fetched ? "handed-over" : "ok");
    return fetched;
  } catch (error) {
    endUpstreamSpan(span, error instanceof GatewayError ? error.code : "INTERNAL_ERROR");
    throw error;
  }
}

/** A list depends on the registration, and (tools) on the pins it was checked against. */
function registrationKey(upstream: Upstream): string {
  return `${upstream.server.name}|${upstream.server.fingerprint}~${upstream.server.pinning.key}`;
}

/** Who a list may be shared with: everyone, or those on the upstream session it was listed on. */
function scopeOf(upstream: Upstream): string {
  return upstream.server.registration.sharedLists ? "shared" : upstream.listScope;
}

function cacheKey(upstream: Upstream, kind: ListKind, agent: string): string {
  const key = `${registrationKey(upstream)}|${kind}|${scopeOf(upstream)}`;
  return privateLists.has(key) ? `${key}|agent:${agent}` : key;
}

async function listFor(kind: ListKind, upstream: Upstream, request: ListRequest): Promise<Listed> {
  const key = cacheKey(upstream, kind, request.agent);
  const cached = cache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached;
  let fetching = inFlight.get(key);
  if (!fetching) {
    fetching = fetchList(kind, upstream, request).finally(() => inFlight.delete(key));
    inFlight.set(key, fetching);
  }
  return request.deadlineMs === undefined ? fetching : withinDeadline(fetching, kind, upstream, request);
}

/** The list if it comes within the deadline; otherwise the upstream is left out, and not waited for again. */
async function withinDeadline(fetching: Promise<Listed>, kind: ListKind, upstream: Upstream, request: ListRequest) {
  const deadlineMs = request.deadlineMs!;
  const leftOut = () => {
    request.background(fetching.catch(() => undefined));
    return errors.late(upstream.server.name, LISTS[kind].method, deadlineMs);
  };
  if (late.has(registrationKey(upstream))) throw leftOut();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), deadlineMs)));
  try {
    const first = await Promise.race([fetching, deadline]);
    if (first !== "late") return first;
    late.add(registrationKey(upstream));
    throw leftOut();
  } finally {
    clearTimeout(timer);
  }
}

async function fetchList(kind: ListKind, upstream: Upstream, request: ListRequest): Promise<Listed> {
  const state = await upstream.describe();
  if (!state) return { handOver: { counted: false } };
  const { settings } = request.snapshot;
  const fetched =
    state.capabilities[LISTS[kind].capability] === undefined
      ? { items: [] }
      : await tracedFetch(kind, upstream, request);
  if ("handOver" in fetched) return fetched;
  late.delete(registrationKey(upstream));
  const shared = `${registrationKey(upstream)}|${kind}|${scopeOf(upstream)}`;
  if (fetched.cacheScope === "private") privateLists.add(shared);
  else privateLists.delete(shared);
  const maxTtlMs = settings.catalogTtlSeconds * 1000;
  const ttlMs = fetched.ttlMs === undefined ? maxTtlMs : Math.min(fetched.ttlMs, maxTtlMs);
  const { items, withheld } =
    kind === "tools" ? await checkPins(upstream.server, fetched.items, request.pins) : { items: fetched.items };
  const entry: ServerItems = {
    server: upstream.server.name,
    ...(await interned(items)),
    expiresAt: Date.now() + ttlMs,
    ...(withheld ? { withheld } : {}),
  };
  remember(cacheKey(upstream, kind, request.agent), entry);
  return entry;
}

/** The one copy of a list's content, and its version. */
async function interned(items: Item[]): Promise<{ items: readonly Item[]; version: number }> {
  const digest = await sha256Hex(JSON.stringify(items));
  const known = contents.get(digest);
  if (known) return known;
  const content = { items, version: ++versions };
  if (contents.size >= MAX_CONTENTS) contents.delete(contents.keys().next().value!);
  contents.set(digest, content);
  return content;
}

function remember(key: string, entry: ServerItems): void {
  cache.delete(key);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, entry);
}

/** Forgets cached lists: all, one server's, or one kind of one server's (list_changed). */
export function clearCatalog(server?: string, kind?: ListKind): void {
  for (const key of cache.keys()) {
    if (server !== undefined && !key.startsWith(`${server}|`)) continue;
    if (kind !== undefined && key.split("|")[2] !== kind) continue;
    cache.delete(key);
  }
}

/** Forgets the lists of one upstream session's scope (its client session ended). */
export function forgetListScope(scope: string): void {
  for (const key of cache.keys()) if (key.split("|")[3] === scope) cache.delete(key);
}
