// The tools a principal is shown: in direct exposure every tool it may see; in discovery
// the gateway's meta-tools only; in hybrid the meta-tools and the tools `directTools`
// names. Also each visible tool as the meta-tools name it: its server and its name within
// that server (the upstream's own, or a virtual server's rename). Pure apart from logging a
// tool whose name a meta-tool takes; memoized per visible view.
import { fnv1a } from "../observe/hash.js";
import { log } from "../observe/log.js";
import type { Item, ServerItems } from "./catalog.js";
import type { CallContext } from "./context.js";
import { exposureFor, listedDirectly, type ExposureRule } from "./exposure.js";
import { isMetaTool, metaToolDefinitions } from "./meta-tools.js";
import { visibleNamedOf } from "./targets.js";
import type { VisibleNamedView } from "./visible-views.js";

export interface VisibleTool {
  server: string;
  /** The upstream's own name. */
  original: string;
  /** The name in a merged list (`server__tool`, or a virtual server's rename). */
  exposed: string;
  /** The name within its server, as the meta-tools show it. */
  nameInServer: string;
  /** As the principal's view shows it (renames, titles, descriptions), named `exposed`. */
  item: Item;
}

const memo = new WeakMap<VisibleNamedView, VisibleTool[]>();

/** Every tool this principal may see, whatever its exposure. */
export function visibleTools(lists: readonly ServerItems[], ctx: CallContext): VisibleTool[] {
  const view = visibleNamedOf("tools", lists, ctx);
  let tools = memo.get(view);
  if (!tools) {
    const entries = [...view.byExposed.values()];
    tools = entries.map((entry, i) => ({
      server: entry.server,
      original: entry.original,
      exposed: entry.exposed,
      nameInServer: renamed(ctx, entry.server, entry.original, entry.exposed) ? entry.exposed : entry.original,
      item: view.items[i]!,
    }));
    memo.set(view, tools);
  }
  return tools;
}

/** The visible tool of `server` by its name within that server or, leniently, its merged name. */
export function visibleToolNamed(
  lists: readonly ServerItems[],
  ctx: CallContext,
  server: string,
  name: string,
): VisibleTool | undefined {
  const tools = visibleTools(lists, ctx);
  let names = namedTools.get(tools);
  if (!names) {
    names = { inServer: new Map(), exposed: new Map() };
    for (const tool of tools) {
      const inServer = `${tool.server}\n${tool.nameInServer}`;
      const exposed = `${tool.server}\n${tool.exposed}`;
      if (!names.inServer.has(inServer)) names.inServer.set(inServer, tool);
      if (!names.exposed.has(exposed)) names.exposed.set(exposed, tool);
    }
    namedTools.set(tools, names);
  }
  return names.inServer.get(`${server}\n${name}`) ?? names.exposed.get(`${server}\n${name}`);
}

const namedTools = new WeakMap<
  readonly VisibleTool[],
  { inServer: Map<string, VisibleTool>; exposed: Map<string, VisibleTool> }
>();

function renamed(ctx: CallContext, server: string, original: string, exposed: string): boolean {
  const vs = ctx.identity.virtualServer;
  const override =
    vs === undefined ? undefined : ctx.snapshot.virtualServers.get(vs)?.overrides[`${server}/${original}`];
  return override?.name === exposed;
}

/** The tools list as this principal is shown it, with a fingerprint for its cursors. */
export function exposedToolList(
  lists: readonly ServerItems[],
  ctx: CallContext,
): { items: readonly Item[]; fingerprint: string } {
  const rule = exposureFor(ctx.snapshot, ctx.identity);
  const view = visibleNamedOf("tools", lists, ctx);
  if (rule.mode === "direct") return view;
  // The same list object for the same view and rule, so its pages are serialized once.
  const key = `${rule.mode}\n${JSON.stringify(rule.directTools ?? {})}`;
  let perRule = listed.get(view);
  if (!perRule) listed.set(view, (perRule = new Map()));
  let list = perRule.get(key);
  if (!list) {
    list = withMetaTools(rule, visibleTools(lists, ctx));
    if (perRule.size > 16) perRule.clear();
    perRule.set(key, list);
  }
  return list;
}

const listed = new WeakMap<VisibleNamedView, Map<string, { items: readonly Item[]; fingerprint: string }>>();

function withMetaTools(rule: ExposureRule, tools: readonly VisibleTool[]) {
  const direct = tools.filter((tool) => {
    if (!listedDirectly(rule, tool.server, tool.original)) return false;
    if (!isMetaTool(tool.exposed)) return true;
    log("warn", "names.meta_tool_collision", { server: tool.server, tool: tool.original, exposed: tool.exposed });
    return false;
  });
  const items = [...metaToolDefinitions(), ...direct.map((tool) => tool.item)];
  return { items, fingerprint: fnv1a(`${rule.mode}\n${items.map((i) => i["name"]).join("\n")}`) };
}
