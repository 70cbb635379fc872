// Ranked lexical search over tool definitions, for the `search_tools` meta-tool: BM25
// (MiniSearch's BM25+) over a tool's name, title, description, its parameters' names and
// descriptions and its server's name, each field weighted; words split at `snake_case`,
// `camelCase`, `kebab-case` and digits, stemmed (Porter), stopwords dropped, and partial
// words matched by prefix. Nothing is tuned to particular tools or servers. Pure: which
// tools go in, and who may see what comes out, is the caller's business (discovery.ts).
import MiniSearch from "minisearch";
import { stemmer } from "stemmer";

export interface SearchableTool {
  server: string;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema?: Record<string, unknown> | undefined;
}

export interface ToolIndex {
  readonly tools: readonly SearchableTool[];
  readonly search: MiniSearch<IndexedTool>;
}

export interface SearchHit {
  server: string;
  name: string;
  score: number;
  /** The tool's position in the indexed list. */
  index: number;
}

interface IndexedTool {
  id: number;
  name: string;
  title: string;
  description: string;
  params: string;
  server: string;
}

const FIELDS = ["name", "title", "description", "params", "server"] as const;
/** How much a match in each field counts, relative to the description. */
const BOOST: Record<(typeof FIELDS)[number], number> = { name: 3, title: 2, description: 1, params: 0.6, server: 0.8 };
/** Parameters read from a tool's input schema: top-level properties and those one level down. */
const MAX_SCHEMA_DEPTH = 2;

export function buildToolIndex(tools: readonly SearchableTool[]): ToolIndex {
  const search = new MiniSearch<IndexedTool>({
    fields: [...FIELDS],
    tokenize: splitWords,
    processTerm: normalizeWord,
    searchOptions: { boost: BOOST, prefix: (term) => term.length >= 4, fuzzy: 0, combineWith: "OR" },
  });
  search.addAll(tools.map((tool, id) => indexed(tool, id)));
  return { tools, search };
}

export function searchTools(
  index: ToolIndex,
  query: string,
  options: { limit?: number; filter?: (server: string, name: string) => boolean } = {},
): SearchHit[] {
  return rankTools(index, query, options.filter).slice(0, options.limit ?? 5);
}

/** Every tool the query matches, within the filter, best first. */
export function rankTools(
  index: ToolIndex,
  query: string,
  filter?: (server: string, name: string) => boolean,
): SearchHit[] {
  const hits = index.search.search(query, filter ? { filter: (r) => filterTool(index, r.id as number, filter) } : {});
  return hits.map((hit) => {
    const tool = index.tools[hit.id as number]!;
    return { server: tool.server, name: tool.name, score: Math.round(hit.score * 1000) / 1000, index: hit.id };
  });
}

function filterTool(index: ToolIndex, id: number, filter: (server: string, name: string) => boolean): boolean {
  const tool = index.tools[id]!;
  return filter(tool.server, tool.name);
}

function indexed(tool: SearchableTool, id: number): IndexedTool {
  return {
    id,
    name: tool.name,
    title: tool.title ?? "",
    description: tool.description ?? "",
    params: parameterText(tool.inputSchema, 0),
    server: tool.server,
  };
}

/** Parameter names and descriptions of a JSON Schema, as text. */
function parameterText(schema: unknown, depth: number): string {
  if (depth >= MAX_SCHEMA_DEPTH || typeof schema !== "object" || schema === null) return "";
  const properties = (schema as { properties?: unknown }).properties;
  if (typeof properties !== "object" || properties === null) return "";
  const parts: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    parts.push(name);
    const description = (property as { description?: unknown } | null)?.description;
    if (typeof description === "string") parts.push(description);
    const nested = parameterText(property, depth + 1);
    if (nested) parts.push(nested);
  }
  return parts.join(" ");
}

/** Words of a name or a sentence: `getPullRequest`, `get_pull_request`, `get-pull-request` alike. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, "$1 $2")
    .replace(/(\p{L})(\p{N})|(\p{N})(\p{L})/gu, "$1$3 $2$4")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** A word as indexed and searched: lower case, stemmed; null for words that carry no meaning here. */
export function normalizeWord(word: string): string | null {
  const lower = word.toLowerCase();
  if (lower.length < 2 || STOPWORDS.has(lower)) return null;
  return stemmer(lower);
}

const STOPWORDS = new Set(
  (
    "a an and are as at be by can do does for from has have how i if in into is it its me my of on or our so " +
    "that the their them then there these this those to us was we what when where which who will with you your " +
    "please want need should would could"
  ).split(" "),
);
