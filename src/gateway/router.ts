// Answers one client JSON-RPC request against the aggregated upstreams: merged lists
// with the gateway's own pagination, and calls routed to the right upstream with names
// mapped back. Every list is filtered, and every call, read, get, completion and
// subscription guarded, by the same policy: what a principal cannot see it cannot use.
// Results are relayed unchanged apart from names and the era's shape; upstream errors
// too. While a call is in flight, the upstream's progress and log messages reach the
// client through its ClientChannel, and the upstream's questions (legacy requests or
// current-era `input_required`) are bridged to whatever the client's era can answer.
// Sessions and HTTP are not its business.
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Caller, Identity } from "../auth/principal.js";
import { errors, GatewayError } from "../mcp/errors.js";
import {
  asRecord,
  errorResponse,
  resultResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import { isInputRequired, MODERN_PROTOCOL_VERSIONS, META, toLegacyResult, toModernResult } from "../mcp/eras.js";
import { GATEWAY_INFO, GATEWAY_META } from "../mcp/gateway-info.js";
import { refusedQuestion, relayableCapabilities } from "../upstream/upstream-link.js";
import type { ClientAnswer } from "../upstream/link.js";
import { wantsLog, type ClientChannel } from "./client-channel.js";
import { advertisedCapabilities } from "./capabilities.js";
import { paginate } from "../mcp/pagination.js";
import { templateMatches } from "../mcp/uri-template.js";
import { hasDotSegments } from "../mcp/dot-segments.js";
import type { Link as UpstreamLink, RequestOptions } from "../upstream/link.js";
import { answersElsewhere, HandOff } from "../upstream/elsewhere.js";
import { collect, lastKnown, type Collected, type ListKind, type ServerItems } from "./catalog.js";
import { namedView, uriView } from "./views.js";
import { visibleNamed, visibleUris } from "./visible-views.js";
import type { Policy, PolicyKind } from "./policy.js";
import { audit, type AuditLine } from "../observe/audit.js";
import { log } from "../observe/log.js";
import type { Observer } from "../observe/observer.js";
import { requestBuckets, toolBuckets, type RateGate } from "../ratelimit/rate-limits.js";

export interface GatewayContext {
  snapshot: ConfigSnapshot;
  /** Links to every enabled, valid upstream the principal may see something of, in name order. */
  links: readonly UpstreamLink[];
  policy: Policy;
  identity: Identity;
  /** For audit lines: the HTTP request this JSON-RPC request came in, and the key used. */
  caller: Caller;
  /** The client's logging level, kept by the session. */
  setLogLevel?: (level: string) => void;
  /** The way back to the client for the request being answered. */
  channel?: ClientChannel;
  /** Upstream notifications that are not about the call (list_changed, resources/updated). */
  onUpstreamNotification?: (server: string, notification: JsonRpcNotification) => void;
  /** Where outcomes and call metrics are reported (for /status and Analytics Engine). */
  observer?: Observer;
  /** Counts the request against the agent's rate limits; absent when none can apply. */
  rateGate?: RateGate;
}

/** An upstream asking for input more often than this in one call is cut off. */
const MAX_INPUT_ROUNDS = 10;

type Params = Record<string, unknown>;
type Handler = (params: Params, ctx: GatewayContext, method: string) => Promise<Params | JsonRpcResponse>;

const handlers: Record<string, Handler> = {
  ping: async () => ({}),
  "tools/list": (params, ctx) => listNamed("tools", params, ctx),
  "prompts/list": (params, ctx) => listNamed("prompts", params, ctx),
  "resources/list": (params, ctx) => listByUri("resources", params, ctx),
  "resources/templates/list": (params, ctx) => listByUri("resourceTemplates", params, ctx),
  "tools/call": (params, ctx, method) => callNamed("tools", method, params, ctx),
  "prompts/get": (params, ctx, method) => callNamed("prompts", method, params, ctx),
  "resources/read": callByUri,
  "resources/subscribe": callByUri,
  "resources/unsubscribe": callByUri,
  "completion/complete": complete,
  "logging/setLevel": setLogLevel,
  "server/discover": discover,
};

/** Methods only one era has. */
const LEGACY_ONLY = new Set(["logging/setLevel", "resources/subscribe", "resources/unsubscribe"]);
const MODERN_ONLY = new Set(["server/discover"]);

export async function route(request: JsonRpcRequest, ctx: GatewayContext): Promise<JsonRpcResponse> {
  const era = ctx.channel?.era ?? "legacy";
  const offered = era === "modern" ? !LEGACY_ONLY.has(request.method) : !MODERN_ONLY.has(request.method);
  const handler = offered && Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined;
  const response = await answer(request, ctx, era, handler);
  ctx.observer?.request("error" in response);
  return response;
}

async function answer(
  request: JsonRpcRequest,
  ctx: GatewayContext,
  era: "legacy" | "modern",
  handler: Handler | undefined,
): Promise<JsonRpcResponse> {
  if (!handler) return errorResponse(request.id, errors.methodNotFound(request.method).toJsonRpc());
  try {
    // A tools/call is counted once its tool is known, with the tool's own limits (callNamed).
    if (request.method !== "tools/call") await limitRate(ctx);
    const outcome = await handler(request.params ?? {}, ctx, request.method);
    if (isResponse(outcome)) {
      if (!("result" in outcome)) return { ...outcome, id: request.id };
      return resultResponse(request.id, shaped(era, request.method, outcome.result));
    }
    return resultResponse(request.id, shaped(era, request.method, outcome));
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    if (error.code === "RATE_LIMITED") {
      log("warn", "request.rate_limited", { method: request.method, ...error.details });
    }
    if (error.code === "DENIED_BY_POLICY") {
      const { server, name, uri, rule } = error.details as Record<string, string | undefined>;
      audit(auditLine(ctx, { kind: "decision", method: request.method, decision: "deny", server, name, uri, rule }));
    }
    return errorResponse(request.id, error.toJsonRpc());
  }
}

/** Results in the client's era: `resultType` and cache hints for the current one, none for legacy. */
function shaped(era: "legacy" | "modern", method: string, result: Params): Params {
  return era === "modern" ? toModernResult(method, result) : toLegacyResult(result);
}

function isResponse(value: Params | JsonRpcResponse): value is JsonRpcResponse {
  return value["jsonrpc"] === "2.0" && ("result" in value || "error" in value);
}

async function listNamed(kind: "tools" | "prompts", params: Params, ctx: GatewayContext): Promise<Params> {
  const collected = await collect(kind, ctx.links, ctx.snapshot, ctx.identity.agent);
  const view = visibleNamedOf(kind, collected.lists, ctx);
  auditFiltered(ctx, `${kind}/list`, view.items.length, namedView(kind, collected.lists, ctx.snapshot).items.length);
  const page = paginate(view.items, params["cursor"], ctx.snapshot.settings.pageSize, view.fingerprint);
  return listResult(kind, page, collected);
}

/** A page of a merged list, with cache hints and, when upstreams failed, which ones and why. */
function listResult(
  kind: string,
  page: { items: readonly unknown[]; nextCursor?: string },
  collected: Collected,
): Params {
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

async function listByUri(
  kind: "resources" | "resourceTemplates",
  params: Params,
  ctx: GatewayContext,
): Promise<Params> {
  const collected = await collect(kind, ctx.links, ctx.snapshot, ctx.identity.agent);
  const merged = uriView(kind, collected.lists);
  const view = visibleUris(kind, merged, ctx.policy);
  auditFiltered(
    ctx,
    kind === "resources" ? "resources/list" : "resources/templates/list",
    view.items.length,
    merged.items.length,
  );
  const page = paginate(view.items, params["cursor"], ctx.snapshot.settings.pageSize, view.fingerprint);
  return listResult(kind, page, collected);
}

export function visibleNamedOf(kind: "tools" | "prompts", lists: readonly ServerItems[], ctx: GatewayContext) {
  const vs = ctx.identity.virtualServer;
  const overrides = vs === undefined ? undefined : ctx.snapshot.virtualServers.get(vs)?.overrides;
  return visibleNamed(kind, namedView(kind, lists, ctx.snapshot), ctx.policy, overrides);
}

async function callNamed(kind: "tools" | "prompts", method: string, params: Params, ctx: GatewayContext) {
  const name = params["name"];
  if (typeof name !== "string" || name === "") throw errors.invalidParams(`${method} needs a 'name'`);
  let target: Awaited<ReturnType<typeof resolveName>>;
  try {
    target = await resolveName(kind, name, ctx);
  } catch (error) {
    // A call that names no callable tool still counts against the agent's request limit.
    if (kind === "tools") await limitRate(ctx);
    throw error;
  }
  if (kind === "tools") await limitRate(ctx, target.link.server.name, target.original);
  return forward(ctx, method, target.link, { ...params, name: target.original }, { kind, name: target.original });
}

/** Counts this request against the agent's limits, and a tool call against the tool's too. */
async function limitRate(ctx: GatewayContext, server?: string, tool?: string): Promise<void> {
  if (!ctx.rateGate) return;
  const buckets = requestBuckets(ctx.snapshot, ctx.identity);
  if (server !== undefined && tool !== undefined)
    buckets.push(...toolBuckets(ctx.snapshot, ctx.identity, server, tool));
  await ctx.rateGate(buckets);
}

/**
 * Finds the upstream and upstream name behind a name this principal sees. A name that
 * exists but is hidden from it is refused with the rule that hides it.
 */
async function resolveName(kind: "tools" | "prompts", exposed: string, ctx: GatewayContext) {
  const cached = findName(kind, exposed, known(kind, ctx), ctx);
  if (cached) return cached;
  const collected = await collect(kind, ctx.links, ctx.snapshot, ctx.identity.agent);
  const fresh = findName(kind, exposed, collected.lists, ctx);
  if (fresh) return fresh;
  throw explainMissing(kind, exposed, ctx, collected);
}

function findName(kind: "tools" | "prompts", exposed: string, lists: readonly ServerItems[], ctx: GatewayContext) {
  const entry = visibleNamedOf(kind, lists, ctx).byExposed.get(exposed);
  const link = entry && ctx.links.find((l) => l.server.name === entry.server);
  if (entry && link) return { link, original: entry.original };
  const hidden = namedView(kind, lists, ctx.snapshot).names.byExposed.get(exposed);
  if (hidden) guard(kind, hidden.server, hidden.original, ctx);
  return undefined;
}

/** Throws DENIED_BY_POLICY, naming the deciding rule, unless the policy allows the item. */
function guard(kind: PolicyKind, server: string, name: string, ctx: GatewayContext): void {
  const decision = ctx.policy.decide(kind, server, name);
  if (!decision.allowed) {
    const what = kind === "resources" ? `resource '${name}'` : `${kind.slice(0, -1)} '${name}' of server '${server}'`;
    const subject = kind === "resources" ? { server, uri: name } : { server, name };
    throw errors.deniedByPolicy(what, decision.rule, ctx.snapshot.revision, subject);
  }
}

/** Lists already in the cache, expired or not: routing must not wait on a list refresh. */
function known(kind: ListKind, ctx: GatewayContext) {
  return ctx.links.flatMap((link) => lastKnown(kind, link, ctx.identity.agent) ?? []);
}

/** A name no list offers: blame the hidden, misconfigured or failing server it points at, if any. */
function explainMissing(
  kind: "tools" | "prompts",
  exposed: string,
  ctx: GatewayContext,
  collected: Collected,
): GatewayError {
  const separator = ctx.snapshot.settings.prefixSeparator;
  const pointsAt = (server: string) => exposed.startsWith(`${server}${separator}`);
  // Policy first: a server the principal may not see is refused as such, never described.
  for (const server of [...ctx.snapshot.servers.keys(), ...ctx.snapshot.unusable.keys()]) {
    if (!pointsAt(server)) continue;
    const decision = ctx.policy.decideServer(server);
    if (!decision.allowed) {
      return errors.deniedByPolicy(`server '${server}'`, decision.rule, ctx.snapshot.revision, { server });
    }
    const unusable = ctx.snapshot.unusable.get(server);
    if (unusable !== undefined) return errors.invalidConfig(server, unusable);
  }
  const failed = collected.failures.find((f) => pointsAt(f.server));
  if (failed) return failed.error;
  const allFailed = ctx.links.length > 0 && collected.failures.length === ctx.links.length;
  if (allFailed) return collected.failures[0]!.error;
  return kind === "tools" ? errors.toolNotFound(exposed) : errors.promptNotFound(exposed);
}

async function callByUri(params: Params, ctx: GatewayContext, method: string) {
  const uri = params["uri"];
  if (typeof uri !== "string" || uri === "") throw errors.invalidParams(`${method} needs a 'uri'`);
  refuseDotSegments(uri);
  const link = await resolveUri(uri, ctx);
  guard("resources", link.server.name, uri, ctx);
  return forward(ctx, method, link, params, { kind: "resources", uri });
}

/** Policy matches URIs as written: one that an upstream could normalize elsewhere is refused. */
function refuseDotSegments(uri: string): void {
  if (hasDotSegments(uri))
    throw errors.invalidParams(`the URI has '.' or '..' path segments (literal or %2e); send it normalized: ${uri}`);
}

/** Exact URI from the lists, then URI templates; a lone resource server takes the rest. */
async function resolveUri(uri: string, ctx: GatewayContext): Promise<UpstreamLink> {
  const byName = (server: string | undefined) => ctx.links.find((l) => l.server.name === server);
  const cachedOwner = uriView("resources", known("resources", ctx)).owners.get(uri);
  if (byName(cachedOwner)) return byName(cachedOwner)!;
  const resources = await collect("resources", ctx.links, ctx.snapshot, ctx.identity.agent);
  const owner = byName(uriView("resources", resources.lists).owners.get(uri));
  if (owner) return owner;
  const templates = await collect("resourceTemplates", ctx.links, ctx.snapshot, ctx.identity.agent);
  for (const [template, server] of uriView("resourceTemplates", templates.lists).owners) {
    if (templateMatches(template, uri) && byName(server)) return byName(server)!;
  }
  const offering = resources.lists.filter((l) => l.items.length > 0).map((l) => l.server);
  const candidates = ctx.links.filter((l) => offering.includes(l.server.name));
  if (candidates.length === 1) return candidates[0]!;
  throw errors.resourceNotFound(uri);
}

async function complete(params: Params, ctx: GatewayContext) {
  const ref = params["ref"];
  if (typeof ref !== "object" || ref === null) throw errors.invalidParams("completion/complete needs a 'ref'");
  const { type, name, uri } = ref as Params;
  if (type === "ref/prompt" && typeof name === "string") {
    const target = await resolveName("prompts", name, ctx);
    const forwarded = { ...params, ref: { ...ref, name: target.original } };
    return forward(ctx, "completion/complete", target.link, forwarded, { kind: "prompts", name: target.original });
  }
  if (type === "ref/resource" && typeof uri === "string") {
    refuseDotSegments(uri);
    const templates = await collect("resourceTemplates", ctx.links, ctx.snapshot, ctx.identity.agent);
    const server = uriView("resourceTemplates", templates.lists).owners.get(uri);
    const link = ctx.links.find((l) => l.server.name === server) ?? (await resolveUri(uri, ctx));
    guard("resources", link.server.name, uri, ctx);
    return forward(ctx, "completion/complete", link, params, { kind: "resources", uri });
  }
  throw errors.invalidParams("ref must be a ref/prompt with a name or a ref/resource with a uri");
}

/** Sets the level on every visible upstream that logs; one failing upstream does not fail the call. */
async function setLogLevel(params: Params, ctx: GatewayContext): Promise<Params> {
  const level = params["level"];
  if (typeof level !== "string") throw errors.invalidParams("logging/setLevel needs a 'level'");
  ctx.setLogLevel?.(level);
  await Promise.allSettled(
    ctx.links.map(async (link) => {
      const state = await link.open();
      // Current-era upstreams take the level with each request instead.
      if (state.era === "legacy" && state.capabilities["logging"] !== undefined)
        await forward(ctx, "logging/setLevel", link, { level });
    }),
  );
  return {};
}

/**
 * `server/discover` for the aggregate this principal sees: the current revision, and what
 * its visible upstreams can do together. Upstreams that do not answer are left out.
 */
async function discover(_params: Params, ctx: GatewayContext): Promise<Params> {
  const opened = await Promise.allSettled(ctx.links.map((link) => link.open()));
  const capabilities = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value.capabilities] : []));
  return {
    supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
    capabilities: advertisedCapabilities(capabilities),
    ttlMs: 0,
    cacheScope: "private",
    _meta: { [META.serverInfo]: GATEWAY_INFO },
  };
}

/**
 * Sends a request upstream and relays the answer unchanged, upstream errors included,
 * with one audit line when it ends: the rule that allowed it (when it names an item) and
 * what the upstream answered. Arguments and results are logged only when the
 * registration opts in, redacted. A request handed to another owner (answersElsewhere)
 * is audited there.
 */
async function forward(
  ctx: GatewayContext,
  method: string,
  link: UpstreamLink,
  params: Params,
  subject?: { kind: PolicyKind; name?: string; uri?: string },
): Promise<JsonRpcResponse> {
  return audited(ctx, method, link, params, subject, () => exchangeWithClient(ctx, method, link, params));
}

/**
 * Finishes a tools/call that a Worker sent over this session's upstream session and
 * handed over when the upstream answered with an event stream (see HandOff): reads the
 * rest here, with the client in the loop, and answers it like `route` would have.
 */
export async function continueCall(
  request: JsonRpcRequest,
  ctx: GatewayContext,
  handOff: Pick<HandOff, "server" | "upstreamId" | "state" | "body" | "item">,
): Promise<JsonRpcResponse> {
  const params = { ...request.params, ...(handOff.item !== undefined ? { name: handOff.item } : {}) };
  const link = ctx.links.find((l) => l.server.name === handOff.server);
  let response: JsonRpcResponse;
  try {
    if (!link?.adopt) throw errors.serverUnavailable(handOff.server, "it is not registered (any more)");
    const adopt = link.adopt.bind(link);
    const subject = { kind: "tools" as const, ...(handOff.item !== undefined ? { name: handOff.item } : {}) };
    response = await audited(ctx, request.method, link, params, subject, () =>
      adopt(handOff.state, handOff.upstreamId, handOff.body, clientOptions(ctx, handOff.server, params).options),
    );
  } catch (error) {
    await handOff.body.cancel().catch(() => undefined);
    if (!(error instanceof GatewayError)) throw error;
    response = errorResponse(request.id, error.toJsonRpc());
  }
  ctx.observer?.request("error" in response);
  if (!("result" in response)) return { ...response, id: request.id };
  return resultResponse(request.id, shaped("legacy", request.method, response.result));
}

async function audited(
  ctx: GatewayContext,
  method: string,
  link: UpstreamLink,
  params: Params,
  subject: { kind: PolicyKind; name?: string; uri?: string } | undefined,
  send: () => Promise<JsonRpcResponse>,
): Promise<JsonRpcResponse> {
  const server = link.server.name;
  const item = { server, name: subject?.name, uri: subject?.uri };
  const decided = subject
    ? {
        decision: "allow" as const,
        rule: ctx.policy.decide(subject.kind, server, subject.name ?? subject.uri ?? "").rule,
      }
    : {};
  const started = Date.now();
  const payloads = link.server.registration.auditPayloads;
  let upstreamStatus = "ok";
  let result: unknown;
  try {
    const response = await send();
    if ("error" in response) upstreamStatus = `error:${response.error.code}`;
    result = "error" in response ? response.error : response.result;
    return response;
  } catch (error) {
    if (answersElsewhere(error)) {
      upstreamStatus = "";
      if (error instanceof HandOff) error.item = subject?.name ?? subject?.uri;
      throw error;
    }
    upstreamStatus = error instanceof GatewayError ? error.code : "INTERNAL_ERROR";
    throw error;
  } finally {
    if (upstreamStatus !== "") {
      const latencyMs = Date.now() - started;
      const agent = ctx.identity.delegate ?? ctx.identity.agent;
      const callItem = subject?.name ?? subject?.uri ?? method;
      ctx.observer?.call({ agent, server, method, item: callItem, status: upstreamStatus, latencyMs });
      const line = auditLine(ctx, { kind: "upstream", method, ...decided, upstreamStatus, latencyMs, ...item });
      audit(payloads ? { ...line, arguments: params["arguments"] ?? params, result } : line, link.server.secretValues);
    }
  }
}

/**
 * One client request against one upstream, with the client kept in the loop: progress
 * under the client's own token, log messages at the client's level, the upstream's
 * questions answered by the client. A current-era client answers `input_required` itself
 * (it is passed through); for a legacy client the gateway asks on the client's stream and
 * retries with the answers.
 */
async function exchangeWithClient(
  ctx: GatewayContext,
  method: string,
  link: UpstreamLink,
  params: Params,
): Promise<JsonRpcResponse> {
  const channel = ctx.channel;
  const server = link.server.name;
  const prepared = clientOptions(ctx, server, params);
  const options = prepared.options;
  let sent = prepared.sent;
  let response = await link.request(method, sent, options);
  for (let round = 1; "result" in response && isInputRequired(response.result); round++) {
    if (channel?.era === "modern") return response;
    if (round > MAX_INPUT_ROUNDS) {
      throw errors.upstreamError(server, `still asked for input after ${MAX_INPUT_ROUNDS} rounds`);
    }
    const inputResponses = await answerInputRequests(channel, server, asRecord(response.result["inputRequests"]));
    const requestState = response.result["requestState"];
    sent = { ...sent, inputResponses, ...(typeof requestState === "string" ? { requestState } : {}) };
    response = await link.request(method, sent, options);
  }
  return response;
}

/** What is sent upstream for the client's `params`, and how the upstream's messages reach the client. */
function clientOptions(ctx: GatewayContext, server: string, params: Params): { sent: Params; options: RequestOptions } {
  const channel = ctx.channel;
  const { timeoutMs, meta } = callTimeout(asRecord(params["_meta"]), ctx.snapshot.settings.maxTimeoutMs);
  const clientToken = meta["progressToken"];
  let sent = timeoutMs === undefined ? params : { ...params, _meta: meta };
  let upstreamToken: string | undefined;
  if (channel && (typeof clientToken === "string" || typeof clientToken === "number")) {
    upstreamToken = `gw-progress-${crypto.randomUUID()}`;
    sent = { ...params, _meta: { ...meta, progressToken: upstreamToken } };
  }
  const options: RequestOptions = {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onNotification: (notification) => {
      const p = asRecord(notification.params);
      if (notification.method === "notifications/progress") {
        if (channel && upstreamToken !== undefined && p["progressToken"] === upstreamToken)
          channel.notify({ ...notification, params: { ...p, progressToken: clientToken } });
      } else if (notification.method === "notifications/message") {
        if (channel && wantsLog(channel, p["level"])) channel.notify(notification);
      } else ctx.onUpstreamNotification?.(server, notification);
    },
    ...(channel?.ask ? { onRequest: (m, p) => askClient(channel, server, m, p) } : {}),
    ...(channel?.signal ? { signal: channel.signal } : {}),
    ...(channel ? { clientCapabilities: relayableCapabilities(channel.capabilities) } : {}),
    ...(channel?.logLevel !== undefined ? { logLevel: channel.logLevel } : {}),
  };
  return { sent, options };
}

/**
 * The client's own timeout for this call, if it set one in `_meta`, and the `_meta` to
 * forward without it. Out of range is the client's mistake, said as such.
 */
function callTimeout(meta: Params, maxTimeoutMs: number): { timeoutMs?: number; meta: Params } {
  if (!Object.hasOwn(meta, GATEWAY_META.timeoutMs)) return { meta };
  const { [GATEWAY_META.timeoutMs]: timeoutMs, ...rest } = meta;
  if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > maxTimeoutMs) {
    throw errors.invalidParams(
      `_meta '${GATEWAY_META.timeoutMs}' must be an integer from 100 to ${maxTimeoutMs} (settings.maxTimeoutMs)`,
    );
  }
  return { timeoutMs, meta: rest };
}

/** The client's answers to a current-era upstream's `inputRequests`, asked one by one. */
async function answerInputRequests(
  channel: ClientChannel | undefined,
  server: string,
  requests: Params,
): Promise<Params> {
  const answers: Array<[string, unknown]> = [];
  for (const [key, request] of Object.entries(requests)) {
    const { method, params } = asRecord(request);
    const name = typeof method === "string" ? method : "an unknown request";
    const answer = await askClient(channel, server, name, asRecord(params));
    if ("error" in answer) throw errors.inputUnavailable(server, name, answer.error.message);
    answers.push([key, answer.result]);
  }
  // Own properties whatever the upstream's keys (`__proto__` included).
  return Object.fromEntries(answers);
}

/** Asks the client on the upstream's behalf, or says clearly why it cannot be asked. */
async function askClient(
  channel: ClientChannel | undefined,
  server: string,
  method: string,
  params: Params,
): Promise<ClientAnswer> {
  if (!channel?.ask) {
    const message = `The client of this request cannot be asked for ${method}: it has no open event stream`;
    return { error: { code: -32601, message } };
  }
  const refused = refusedQuestion(method, channel.capabilities);
  if (refused) return refused;
  const answer = await channel.ask(method, params);
  if ("error" in answer) return answer;
  log("info", "relay.answered", { server, method });
  return answer;
}

function auditFiltered(ctx: GatewayContext, method: string, shown: number, total: number): void {
  audit(auditLine(ctx, { kind: "decision", method, decision: "filtered", shown, total }));
}

/** The fields every audit line of this request shares, plus the line's own (undefined ones dropped). */
function auditLine(ctx: GatewayContext, line: AuditLine): AuditLine {
  const { agent, delegate, virtualServer } = ctx.identity;
  const full: Record<string, unknown> = { ...ctx.caller, agent, delegate, virtualServer, ...line };
  full["revision"] = ctx.snapshot.revision;
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return full as unknown as AuditLine;
}
