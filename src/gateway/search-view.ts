// search_tools over what one principal may see: one index per merged tools view (built
// once per isolate for each combination of upstream lists, whoever asks), filtered at
// query time by the caller's own view, so nothing leaks across agents and memory grows
// with distinct catalogs, not with agents. Ranking itself is tool-search.ts's.
import type { ServerItems } from "./catalog.js";
import type { CallContext } from "./context.js";
import { visibleTools, type VisibleTool } from "./exposed-tools.js";
import { buildToolIndex, rankTools, type SearchableTool, type ToolIndex } from "./tool-search.js";
import { namedView, type NamedView } from "./views.js";

const indexes = new WeakMap<NamedView, ToolIndex>();

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
  const index = indexOf(namedView("tools", lists, ctx.snapshot));
  const visible = new Map(visibleTools(lists, ctx).map((tool) => [`${tool.server}\n${tool.original}`, tool]));
  const ranked = rankTools(
    index,
    query,
    (server, name) => (options.server === undefined || server === options.server) && visible.has(`${server}\n${name}`),
  );
  const hits = ranked.slice(0, options.limit).map((hit) => ({
    tool: visible.get(`${hit.server}\n${hit.name}`)!,
    score: hit.score,
  }));
  return { hits, total: ranked.length };
}

/** The index of a merged view's tools, by their upstream names. */
function indexOf(view: NamedView): ToolIndex {
  let index = indexes.get(view);
  if (!index) {
    const tools: SearchableTool[] = view.names.entries.map((entry, i) => {
      const item = view.items[i]!;
      return {
        server: entry.server,
        name: entry.original,
        title: typeof item["title"] === "string" ? item["title"] : undefined,
        description: typeof item["description"] === "string" ? item["description"] : undefined,
        inputSchema: item["inputSchema"] as Record<string, unknown> | undefined,
      };
    });
    index = buildToolIndex(tools);
    indexes.set(view, index);
  }
  return index;
}
