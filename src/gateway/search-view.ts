// search_tools over what one principal may see: one index per combination of upstream
// list contents (their versions), built once per isolate whoever asks and kept across
// configuration revisions (it holds the upstreams' own names and texts only), filtered at
// query time by the caller's own view, so nothing leaks across agents and memory grows
// with distinct catalogs, not with agents. Ranking itself is tool-search.ts's.
import type { ServerItems } from "./catalog.js";
import type { CallContext } from "./context.js";
import { visibleTools, type VisibleTool } from "./exposed-tools.js";
import { buildToolIndex, rankTools, type SearchableTool, type ToolIndex } from "./tool-search.js";

interface ViewIndex {
  index: ToolIndex;
  /** Each indexed tool's position, by server and upstream name. */
  positions: Map<string, number>;
}

/** Indexes by their lists' servers and versions; the least recently built go first. */
const indexes = new Map<string, ViewIndex>();
const MAX_INDEXES = 8;
/** For one principal's visible tools, the visible tool at each position of the index (or none). */
const visibleByPosition = new WeakMap<readonly VisibleTool[], WeakMap<ToolIndex, Array<VisibleTool | undefined>>>();

export interface FoundTools {
  hits: Array<{ tool: VisibleTool; score: number }>;
  /** How many visible tools the query matched at all. */
  total: number;
}

export function searchVisibleTools(
  lists: readonly ServerItems[],
  ctx: CallContext,
  query: string,
  options: { limit: number; server?: string | undefined },
): FoundTools {
  const { index, positions } = indexOf(lists);
  const visible = visibleAt(visibleTools(lists, ctx), index, positions);
  const accept = (doc: number) => {
    const tool = visible[doc];
    return tool !== undefined && (options.server === undefined || tool.server === options.server);
  };
  const ranked = rankTools(index, query, { limit: options.limit, accept });
  const hits = ranked.hits.map((hit) => ({ tool: visible[hit.index]!, score: hit.score }));
  return { hits, total: ranked.total };
}

function visibleAt(
  tools: readonly VisibleTool[],
  index: ToolIndex,
  positions: ReadonlyMap<string, number>,
): Array<VisibleTool | undefined> {
  let perIndex = visibleByPosition.get(tools);
  if (!perIndex) visibleByPosition.set(tools, (perIndex = new WeakMap()));
  let byPosition = perIndex.get(index);
  if (!byPosition) {
    byPosition = new Array<VisibleTool | undefined>(index.tools.length);
    for (const tool of tools) {
      const position = positions.get(key(tool.server, tool.original));
      if (position !== undefined) byPosition[position] = tool;
    }
    perIndex.set(index, byPosition);
  }
  return byPosition;
}

/** The index of every tool of these lists, by their upstream names. */
function indexOf(lists: readonly ServerItems[]): ViewIndex {
  const versions = lists.map((list) => `${list.server}:${list.version}`).join(",");
  let built = indexes.get(versions);
  if (!built) {
    const positions = new Map<string, number>();
    const tools: SearchableTool[] = [];
    for (const { server, items } of lists) {
      for (const item of items) {
        if (typeof item["name"] !== "string" || positions.has(key(server, item["name"]))) continue;
        positions.set(key(server, item["name"]), tools.length);
        tools.push({
          server,
          name: item["name"],
          title: typeof item["title"] === "string" ? item["title"] : undefined,
          description: typeof item["description"] === "string" ? item["description"] : undefined,
          inputSchema: item["inputSchema"] as Record<string, unknown> | undefined,
        });
      }
    }
    built = { index: buildToolIndex(tools), positions };
    if (indexes.size >= MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
    indexes.set(versions, built);
  }
  return built;
}

function key(server: string, name: string): string {
  return `${server}\n${name}`;
}
