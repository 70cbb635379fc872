// Answers one client JSON-RPC request against the aggregated upstreams: merged lists
// with the gateway's own pagination, and calls routed to the right upstream with names
// mapped back. Results are relayed unchanged apart from names; upstream errors too.
// Sessions, HTTP and policy are not its business.
import type { ConfigSnapshot } from "../config/snapshot.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse } from "../mcp/jsonrpc.js";
import { paginate } from "../mcp/pagination.js";
import { templateMatches } from "../mcp/uri-template.js";
import type { UpstreamLink, RequestOptions } from "../upstream/upstream-link.js";
import { collect, lastKnown, type Collected, type ListKind } from "./catalog.js";
import { namedView, uriView, type NamedView } from "./views.js";

export interface GatewayContext {
  snapshot: ConfigSnapshot;
  /** Links to every enabled, valid upstream, in name order. */
  links: readonly UpstreamLink[];
  /** The client's logging level, kept by the session. */
  setLogLevel?: (level: string) => void;
}

type Params = Record<string, unknown>;
type Handler = (params: Params, ctx: GatewayContext) => Promise<Params | JsonRpcResponse>;

const handlers: Record<string, Handler> = {
  ping: async () => ({}),
  "tools/list": (params, ctx) => listNamed("tools", params, ctx),
  "prompts/list": (params, ctx) => listNamed("prompts", params, ctx),
  "resources/list": (params, ctx) => listByUri("resources", params, ctx),
  "resources/templates/list": (params, ctx) => listByUri("resourceTemplates", params, ctx),
  "tools/call": (params, ctx) => callNamed("tools", "tools/call", params, ctx),
  "prompts/get": (params, ctx) => callNamed("prompts", "prompts/get", params, ctx),
  "resources/read": (params, ctx) => callByUri("resources/read", params, ctx),
  "resources/subscribe": (params, ctx) => callByUri("resources/subscribe", params, ctx),
  "resources/unsubscribe": (params, ctx) => callByUri("resources/unsubscribe", params, ctx),
  "completion/complete": complete,
  "logging/setLevel": setLogLevel,
};

export async function route(request: JsonRpcRequest, ctx: GatewayContext): Promise<JsonRpcResponse> {
  const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined;
  if (!handler) return errorResponse(request.id, errors.methodNotFound(request.method).toJsonRpc());
  try {
    const outcome = await handler(request.params ?? {}, ctx);
    if (isResponse(outcome)) return { ...outcome, id: request.id };
    return resultResponse(request.id, outcome);
  } catch (error) {
    if (error instanceof GatewayError) return errorResponse(request.id, error.toJsonRpc());
    throw error;
  }
}

function isResponse(value: Params | JsonRpcResponse): value is JsonRpcResponse {
  return value["jsonrpc"] === "2.0" && ("result" in value || "error" in value);
}

async function listNamed(kind: "tools" | "prompts", params: Params, ctx: GatewayContext): Promise<Params> {
  const collected = await collect(kind, ctx.links, ctx.snapshot);
  const view = namedView(kind, collected.lists, ctx.snapshot);
  const page = paginate(view.items, params["cursor"], ctx.snapshot.settings.pageSize, view.fingerprint);
  return { [kind]: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

async function listByUri(
  kind: "resources" | "resourceTemplates",
  params: Params,
  ctx: GatewayContext,
): Promise<Params> {
  const collected = await collect(kind, ctx.links, ctx.snapshot);
  const view = uriView(kind, collected.lists);
  const page = paginate(view.items, params["cursor"], ctx.snapshot.settings.pageSize, view.fingerprint);
  return { [kind]: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

async function callNamed(kind: "tools" | "prompts", method: string, params: Params, ctx: GatewayContext) {
  const name = params["name"];
  if (typeof name !== "string" || name === "") throw errors.invalidParams(`${method} needs a 'name'`);
  const target = await resolveName(kind, name, ctx);
  return forward(target.link, method, { ...params, name: target.original });
}

/** Finds which upstream offers an exposed tool or prompt name, and its own name there. */
async function resolveName(kind: "tools" | "prompts", exposed: string, ctx: GatewayContext) {
  const hit = findIn(namedView(kind, known(kind, ctx), ctx.snapshot), exposed, ctx);
  if (hit) return hit;
  const collected = await collect(kind, ctx.links, ctx.snapshot);
  const fresh = findIn(namedView(kind, collected.lists, ctx.snapshot), exposed, ctx);
  if (fresh) return fresh;
  throw explainMissing(kind, exposed, ctx, collected);
}

function findIn(view: NamedView, exposed: string, ctx: GatewayContext) {
  const entry = view.names.byExposed.get(exposed);
  const link = entry && ctx.links.find((l) => l.server.name === entry.server);
  return entry && link ? { link, original: entry.original } : undefined;
}

/** Lists already in the cache, expired or not: routing must not wait on a list refresh. */
function known(kind: ListKind, ctx: GatewayContext) {
  return ctx.links.flatMap((link) => lastKnown(kind, link) ?? []);
}

/** A name no list offers: blame the failing or misconfigured server it points at, if any. */
function explainMissing(
  kind: "tools" | "prompts",
  exposed: string,
  ctx: GatewayContext,
  collected: Collected,
): GatewayError {
  const separator = ctx.snapshot.settings.prefixSeparator;
  const pointsAt = (server: string) => exposed.startsWith(`${server}${separator}`);
  for (const [server, why] of ctx.snapshot.unusable) if (pointsAt(server)) return errors.invalidConfig(server, why);
  const failed = collected.failures.find((f) => pointsAt(f.server));
  if (failed) return failed.error;
  const allFailed = ctx.links.length > 0 && collected.failures.length === ctx.links.length;
  if (allFailed) return collected.failures[0]!.error;
  return kind === "tools" ? errors.toolNotFound(exposed) : errors.promptNotFound(exposed);
}

async function callByUri(method: string, params: Params, ctx: GatewayContext) {
  const uri = params["uri"];
  if (typeof uri !== "string" || uri === "") throw errors.invalidParams(`${method} needs a 'uri'`);
  return forward(await resolveUri(uri, ctx), method, params);
}

/** Exact URI from the lists, then URI templates; a lone resource server takes the rest. */
async function resolveUri(uri: string, ctx: GatewayContext): Promise<UpstreamLink> {
  const byName = (server: string | undefined) => ctx.links.find((l) => l.server.name === server);
  const cachedOwner = uriView("resources", known("resources", ctx)).owners.get(uri);
  if (byName(cachedOwner)) return byName(cachedOwner)!;
  const resources = await collect("resources", ctx.links, ctx.snapshot);
  const owner = byName(uriView("resources", resources.lists).owners.get(uri));
  if (owner) return owner;
  const templates = await collect("resourceTemplates", ctx.links, ctx.snapshot);
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
    return forward(target.link, "completion/complete", { ...params, ref: { ...ref, name: target.original } });
  }
  if (type === "ref/resource" && typeof uri === "string") {
    const templates = await collect("resourceTemplates", ctx.links, ctx.snapshot);
    const server = uriView("resourceTemplates", templates.lists).owners.get(uri);
    const link = ctx.links.find((l) => l.server.name === server) ?? (await resolveUri(uri, ctx));
    return forward(link, "completion/complete", params);
  }
  throw errors.invalidParams("ref must be a ref/prompt with a name or a ref/resource with a uri");
}

/** Sets the level on every upstream that logs; one failing upstream does not fail the call. */
async function setLogLevel(params: Params, ctx: GatewayContext): Promise<Params> {
  const level = params["level"];
  if (typeof level !== "string") throw errors.invalidParams("logging/setLevel needs a 'level'");
  ctx.setLogLevel?.(level);
  await Promise.allSettled(
    ctx.links.map(async (link) => {
      const state = await link.open();
      if (state.capabilities["logging"] !== undefined) await link.request("logging/setLevel", { level });
    }),
  );
  return {};
}

/** Upstream results and upstream JSON-RPC errors alike go back unchanged. */
function forward(
  link: UpstreamLink,
  method: string,
  params: Params,
  options?: RequestOptions,
): Promise<JsonRpcResponse> {
  return link.request(method, params, options);
}
