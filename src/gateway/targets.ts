// The view and policy stages for a call: which upstream, and which of its items, a name
// or URI the client sent stands for, as this principal sees the merged lists. A name that
// exists but is hidden is refused with the rule that hides it, exactly as a call to it
// would be: hidden means uncallable. Routing never waits on a list refresh when a list
// seen before (expired or not) already names the target. Otherwise only the upstreams
// that could hold the name are asked: those its prefix points at, as long as they take;
// those whose names carry no prefix, only up to the list deadline.
import type { GatewayError } from "../mcp/errors.js";
import { errors } from "../mcp/errors.js";
import { pathProblem } from "../mcp/resource-uris.js";
import { templateMatches } from "../mcp/uri-template.js";
import type { ListKind, SubjectKind } from "../mcp/methods.js";
import { collect, lastKnown, type Collected, type ServerItems } from "./catalog.js";
import type { CallContext } from "./context.js";
import type { HandOver, Upstream } from "./upstreams.js";
import { namedView, uriView } from "./views.js";
import { visibleNamed } from "./visible-views.js";

export type Resolved<T> = { kind: "found"; target: T } | { kind: "handed-over"; handOver: HandOver };

export interface NamedTarget {
  upstream: Upstream;
  /** The upstream's own name of the tool or prompt. */
  original: string;
}

/** What this principal sees of the merged tools or prompts, with a virtual server's renames. */
export function visibleNamedOf(kind: "tools" | "prompts", lists: readonly ServerItems[], ctx: CallContext) {
  const vs = ctx.identity.virtualServer;
  const overrides = vs === undefined ? undefined : ctx.snapshot.virtualServers.get(vs)?.overrides;
  return visibleNamed(kind, namedView(kind, lists, ctx.snapshot), ctx.policy, overrides);
}

/**
 * Finds the upstream and upstream name behind a name this principal sees. A name that
 * exists but is hidden from it is refused with the rule that hides it.
 */
export async function resolveName(
  kind: "tools" | "prompts",
  exposed: string,
  ctx: CallContext,
): Promise<Resolved<NamedTarget>> {
  const cached = findName(kind, exposed, known(kind, ctx), ctx);
  if (cached) return { kind: "found", target: cached };
  const { pointedAt, unprefixed } = candidatesFor(kind, exposed, ctx);
  const alone = pointedAt.length + unprefixed.length === 1;
  const collected = merge(
    await Promise.all([
      collectFor(kind, ctx, { upstreams: pointedAt, deadline: false }),
      collectFor(kind, ctx, { upstreams: unprefixed, deadline: !alone }),
    ]),
  );
  if (collected.handOver) return { kind: "handed-over", handOver: collected.handOver };
  const asked = new Set([...pointedAt, ...unprefixed]);
  const others = known(
    kind,
    ctx,
    ctx.upstreams.filter((u) => !asked.has(u)),
  );
  const fresh = findName(kind, exposed, [...collected.lists, ...others], ctx);
  if (fresh) return { kind: "found", target: fresh };
  throw explainMissing(kind, exposed, ctx, collected, asked.size);
}

/**
 * The upstreams that could hold a name: those whose names it carries the prefix of (or
 * that a virtual server renames a tool of to it), and those whose names carry no prefix.
 * Under `conflicts`, any name depends on every list.
 */
function candidatesFor(kind: "tools" | "prompts", exposed: string, ctx: CallContext) {
  const { prefixStrategy, prefixSeparator } = ctx.snapshot.settings;
  if (prefixStrategy === "conflicts") return { pointedAt: [], unprefixed: [...ctx.upstreams] };
  const vs = ctx.identity.virtualServer;
  const overrides = kind === "tools" && vs !== undefined ? ctx.snapshot.virtualServers.get(vs)?.overrides : undefined;
  const renamedFrom = new Set(
    Object.entries(overrides ?? {}).flatMap(([key, o]) => (o.name === exposed ? [key.split("/")[0]] : [])),
  );
  const pointedAt: Upstream[] = [];
  const unprefixed: Upstream[] = [];
  for (const upstream of ctx.upstreams) {
    const { name, registration } = upstream.server;
    const prefix = registration.prefix ?? (prefixStrategy === "always" ? name : "");
    // A name moved by a collision falls back to the server's own name as its prefix.
    const pointsAt = (p: string) => p !== "" && exposed.startsWith(`${p}${prefixSeparator}`);
    if (prefix === "") unprefixed.push(upstream);
    else if (pointsAt(prefix) || pointsAt(name) || renamedFrom.has(name)) pointedAt.push(upstream);
  }
  return { pointedAt, unprefixed };
}

function merge(parts: Collected[]): Collected {
  const handOver = parts.find((p) => p.handOver)?.handOver;
  return {
    lists: parts.flatMap((p) => p.lists),
    failures: parts.flatMap((p) => p.failures),
    ...(handOver ? { handOver } : {}),
  };
}

function findName(
  kind: "tools" | "prompts",
  exposed: string,
  lists: readonly ServerItems[],
  ctx: CallContext,
): NamedTarget | undefined {
  const entry = visibleNamedOf(kind, lists, ctx).byExposed.get(exposed);
  const upstream = entry && ctx.upstreams.find((u) => u.server.name === entry.server);
  if (entry && upstream) return { upstream, original: entry.original };
  const hidden = namedView(kind, lists, ctx.snapshot).names.byExposed.get(exposed);
  if (hidden) guard(kind, hidden.server, hidden.original, ctx);
  return undefined;
}

/** Throws DENIED_BY_POLICY, naming the deciding rule, unless the policy allows the item. */
export function guard(kind: SubjectKind, server: string, name: string, ctx: CallContext): void {
  const decision = ctx.policy.decide(kind, server, name);
  if (!decision.allowed) {
    const what = kind === "resources" ? `resource '${name}'` : `${kind.slice(0, -1)} '${name}' of server '${server}'`;
    const subject = kind === "resources" ? { server, uri: name } : { server, name };
    throw errors.deniedByPolicy(what, decision.rule, ctx.snapshot.revision, subject);
  }
}

/** Lists already in the cache, expired or not: routing must not wait on a list refresh. */
function known(kind: ListKind, ctx: CallContext, upstreams = ctx.upstreams): ServerItems[] {
  return upstreams.flatMap((upstream) => lastKnown(kind, upstream, ctx.identity.agent) ?? []);
}

/**
 * The lists of the upstreams this principal may see (or of some of them), as the catalog
 * has them, waiting for each at most `settings.listDeadlineMs` unless told otherwise.
 */
export function collectFor(
  kind: ListKind,
  ctx: CallContext,
  { upstreams = ctx.upstreams, deadline = true }: { upstreams?: readonly Upstream[]; deadline?: boolean } = {},
): Promise<Collected> {
  return collect(kind, upstreams, {
    snapshot: ctx.snapshot,
    agent: ctx.identity.agent,
    background: ctx.background,
    deadlineMs: deadline ? ctx.snapshot.settings.listDeadlineMs : undefined,
    pins: ctx.pins,
    ...(ctx.span ? { tracing: ctx } : {}),
  });
}

/**
 * A tool name that stands for a tool its list withholds (its definition drifted from its pin
 * under quarantine): TOOL_QUARANTINED, unless policy hides the tool anyway.
 */
function quarantinedTool(exposed: string, lists: readonly ServerItems[], ctx: CallContext): GatewayError | undefined {
  const { prefixStrategy, prefixSeparator } = ctx.snapshot.settings;
  for (const list of lists) {
    if (!list.withheld) continue;
    const registration = ctx.snapshot.servers.get(list.server)?.registration;
    const prefix = registration?.prefix ?? (prefixStrategy === "never" ? "" : list.server);
    for (const [tool, fingerprint] of list.withheld) {
      const names = [tool, `${prefix}${prefixSeparator}${tool}`, `${list.server}${prefixSeparator}${tool}`];
      if (!names.includes(exposed)) continue;
      guard("tools", list.server, tool, ctx);
      return errors.toolQuarantined(list.server, tool, fingerprint);
    }
  }
  return undefined;
}

/** A name no list offers: blame the hidden, misconfigured or failing server it points at, if any. */
function explainMissing(
  kind: "tools" | "prompts",
  exposed: string,
  ctx: CallContext,
  collected: Collected,
  asked: number,
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
  const quarantined =
    kind === "tools" ? quarantinedTool(exposed, [...collected.lists, ...known(kind, ctx)], ctx) : undefined;
  if (quarantined) return quarantined;
  const allFailed = asked > 0 && collected.failures.length === asked;
  if (allFailed) return collected.failures[0]!.error;
  return kind === "tools" ? errors.toolNotFound(exposed) : errors.promptNotFound(exposed);
}

/** A URI an upstream could read as another path than policy judged is refused (resource-uris.ts). */
export function refuseAmbiguousPath(uri: string): void {
  const problem = pathProblem(uri);
  if (problem) throw errors.invalidParams(`the URI's path has ${problem}; send it normalized: ${uri}`);
}

/** Exact URI from the lists, then URI templates; a lone resource server takes the rest. */
export async function resolveUri(uri: string, ctx: CallContext): Promise<Resolved<Upstream>> {
  const byName = (server: string | undefined) => ctx.upstreams.find((u) => u.server.name === server);
  const cachedOwner = byName(uriView("resources", known("resources", ctx)).owners.get(uri));
  if (cachedOwner) return { kind: "found", target: cachedOwner };
  const resources = await collectFor("resources", ctx);
  if (resources.handOver) return { kind: "handed-over", handOver: resources.handOver };
  const owner = byName(uriView("resources", resources.lists).owners.get(uri));
  if (owner) return { kind: "found", target: owner };
  const templates = await collectFor("resourceTemplates", ctx);
  if (templates.handOver) return { kind: "handed-over", handOver: templates.handOver };
  for (const [template, server] of uriView("resourceTemplates", templates.lists).owners) {
    const upstream = byName(server);
    if (upstream && templateMatches(template, uri)) return { kind: "found", target: upstream };
  }
  const offering = resources.lists.filter((l) => l.items.length > 0).map((l) => l.server);
  const candidates = ctx.upstreams.filter((u) => offering.includes(u.server.name));
  if (candidates.length === 1) return { kind: "found", target: candidates[0]! };
  throw errors.resourceNotFound(uri);
}

/** The server whose template is exactly this URI, as completion/complete names templates. */
export async function templateOwner(uri: string, ctx: CallContext): Promise<Resolved<Upstream | undefined>> {
  const templates = await collectFor("resourceTemplates", ctx);
  if (templates.handOver) return { kind: "handed-over", handOver: templates.handOver };
  const server = uriView("resourceTemplates", templates.lists).owners.get(uri);
  return { kind: "found", target: ctx.upstreams.find((u) => u.server.name === server) };
}

/** The upstream named `server` that this principal may see; else the error a call to it would get. */
export function upstreamNamed(server: string, ctx: CallContext): Upstream {
  const upstream = ctx.upstreams.find((u) => u.server.name === server);
  if (upstream) return upstream;
  if (ctx.snapshot.servers.has(server) || ctx.snapshot.unusable.has(server)) {
    const decision = ctx.policy.decideServer(server);
    if (!decision.allowed)
      throw errors.deniedByPolicy(`server '${server}'`, decision.rule, ctx.snapshot.revision, { server });
    const unusable = ctx.snapshot.unusable.get(server);
    if (unusable !== undefined) throw errors.invalidConfig(server, unusable);
  }
  throw errors.invalidParams(`no server named '${server}'; call list_servers for the servers you may use`);
}

/**
 * One upstream's fresh list (as long as it takes), with the lists already known of the
 * others: enough to name its items as the merged view does. A failing list is its error.
 */
export async function listsWith(
  kind: ListKind,
  upstream: Upstream,
  ctx: CallContext,
): Promise<Resolved<ServerItems[]>> {
  const collected = await collectFor(kind, ctx, { upstreams: [upstream], deadline: false });
  if (collected.handOver) return { kind: "handed-over", handOver: collected.handOver };
  const failure = collected.failures[0];
  if (failure) throw failure.error;
  const others = known(
    kind,
    ctx,
    ctx.upstreams.filter((u) => u !== upstream),
  );
  return { kind: "found", target: [...collected.lists, ...others] };
}
