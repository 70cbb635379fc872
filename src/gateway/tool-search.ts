// Ranked lexical search over tool definitions, for the `search_tools` meta-tool: BM25F
// over a tool's name, title, description, its parameters (names, descriptions, allowed
// values) and its server's name. Each field has a weight and its own length normalization;
// the weighted term frequencies of a tool are summed before BM25's saturation, so a word
// found in the name and the description counts more than one found in either, but not
// twice. Words come from tool-words.ts. Nothing is tuned to particular tools or servers.
//
// Built for a catalog of thousands of tools on a request's path: words are turned into
// numbers once, and each (word, tool) pair's whole contribution to a score is computed
// when the index is built, so a query only adds up numbers from flat arrays. Pure: which
// tools go in, and who may see what comes out, is the caller's business (search-view.ts).
import { TermTable } from "./term-table.js";
import { normalizeWord, splitWords } from "./tool-words.js";

export interface SearchableTool {
  server: string;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema?: Record<string, unknown> | undefined;
}

export interface ToolIndex {
  readonly tools: readonly SearchableTool[];
  /** Each normal word's number. */
  readonly terms: ReadonlyMap<string, number>;
  /** The tools holding term t are docs[starts[t] .. starts[t + 1]), with their scores in `weights`. */
  readonly starts: Uint32Array;
  readonly docs: Uint32Array;
  readonly weights: Float32Array;
}

export interface SearchHit {
  server: string;
  name: string;
  score: number;
  /** The tool's position in the indexed list. */
  index: number;
}

export interface Ranked {
  /** Best first, at most the limit asked for. */
  hits: SearchHit[];
  /** How many accepted tools the query matched at all. */
  total: number;
}

/** How much a word counts in each field, relative to the description: name, title, description, params, server. */
const FIELD_WEIGHTS = [2, 2, 1, 0.5, 1.5] as const;
const FIELDS = FIELD_WEIGHTS.length;
/** BM25's term-frequency saturation and how much a long field's length discounts its words. */
const K1 = 1.2;
const B = 0.4;
/** Parameters read from a tool's input schema: top-level properties and those one level down. */
const MAX_SCHEMA_DEPTH = 2;
/** Characters of a field read at most: a tool's text past that adds little but time. */
const MAX_FIELD_CHARS = 4_000;

export function buildToolIndex(tools: readonly SearchableTool[]): ToolIndex {
  const table = new TermTable();
  const words = wordsOf(tools, table);
  const pairs = pairsOf(words, tools.length, table.terms.size);
  return { tools, terms: table.terms, ...postingsOf(pairs, tools.length, table.terms.size) };
}

interface Words {
  /** Every tool's terms, field after field, tool after tool. */
  terms: Growable;
  /** Where each tool's field ends in `terms`: fieldEnds[tool * FIELDS + field]. */
  fieldEnds: Uint32Array;
  /** The sum of each field's length over all tools. */
  totalLength: Float64Array;
}

/** Pass 1: each tool's words as term numbers, field by field. */
function wordsOf(tools: readonly SearchableTool[], table: TermTable): Words {
  const terms = new Growable();
  const fieldEnds = new Uint32Array(tools.length * FIELDS);
  const totalLength = new Float64Array(FIELDS);
  for (let doc = 0; doc < tools.length; doc++) {
    const texts = fieldTexts(tools[doc]!);
    for (let field = 0; field < FIELDS; field++) {
      let budget = MAX_FIELD_CHARS;
      for (const text of texts[field]!) {
        if (budget <= 0) break;
        totalLength[field]! += table.addTerms(text.length > budget ? text.slice(0, budget) : text, terms);
        budget -= text.length;
      }
      fieldEnds[doc * FIELDS + field] = terms.length;
    }
  }
  return { terms, fieldEnds, totalLength };
}

interface Pairs {
  count: number;
  term: Uint32Array;
  doc: Uint32Array;
  /** The tool's frequency of the term, each field's weighted and length-normalized. */
  frequency: Float64Array;
  /** How many tools hold each term. */
  documentFrequency: Uint32Array;
}

/** Pass 2: each (term, tool) pair, with the tool's weighted frequency of the term. */
function pairsOf({ terms, fieldEnds, totalLength }: Words, tools: number, termCount: number): Pairs {
  const pairs: Pairs = {
    count: 0,
    term: new Uint32Array(terms.length),
    doc: new Uint32Array(terms.length),
    frequency: new Float64Array(terms.length),
    documentFrequency: new Uint32Array(termCount),
  };
  const average = Array.from(totalLength, (total) => total / tools || 1);
  const frequency = new Float64Array(termCount);
  const touched: number[] = [];
  for (let doc = 0, at = 0; doc < tools; doc++) {
    for (let field = 0; field < FIELDS; field++) {
      const end = fieldEnds[doc * FIELDS + field]!;
      const scale = FIELD_WEIGHTS[field]! / (1 - B + (B * (end - at)) / average[field]!);
      for (; at < end; at++) {
        const term = terms.at(at);
        if (frequency[term] === 0) touched.push(term);
        frequency[term]! += scale;
      }
    }
    for (const term of touched) {
      pairs.term[pairs.count] = term;
      pairs.doc[pairs.count] = doc;
      pairs.frequency[pairs.count++] = frequency[term]!;
      pairs.documentFrequency[term]!++;
      frequency[term] = 0;
    }
    touched.length = 0;
  }
  return pairs;
}

/** The pairs grouped by term, each with its whole score: idf times saturated frequency. */
function postingsOf(pairs: Pairs, tools: number, termCount: number) {
  const { documentFrequency } = pairs;
  const starts = new Uint32Array(termCount + 1);
  const idf = new Float64Array(termCount);
  for (let term = 0; term < termCount; term++) {
    const n = documentFrequency[term]!;
    starts[term + 1] = starts[term]! + n;
    idf[term] = Math.log(1 + (tools - n + 0.5) / (n + 0.5));
  }
  const next = starts.slice(0, termCount);
  const docs = new Uint32Array(pairs.count);
  const weights = new Float32Array(pairs.count);
  for (let i = 0; i < pairs.count; i++) {
    const term = pairs.term[i]!;
    const tf = pairs.frequency[i]!;
    const slot = next[term]!++;
    docs[slot] = pairs.doc[i]!;
    weights[slot] = (idf[term]! * tf * (K1 + 1)) / (tf + K1);
  }
  return { starts, docs, weights };
}

export function searchTools(
  index: ToolIndex,
  query: string,
  options: { limit?: number; filter?: (server: string, name: string) => boolean } = {},
): SearchHit[] {
  const { filter } = options;
  const accept = filter ? (doc: number) => filter(index.tools[doc]!.server, index.tools[doc]!.name) : undefined;
  return rankTools(index, query, { limit: options.limit ?? 5, accept }).hits;
}

/** The tools the query matches, among those `accept` lets through (by position), best first. */
export function rankTools(
  index: ToolIndex,
  query: string,
  options: { limit: number; accept?: ((doc: number) => boolean) | undefined },
): Ranked {
  const scores = scratchOf(index);
  const matched: number[] = [];
  for (const term of queryTerms(index, query)) {
    for (let i = index.starts[term]!; i < index.starts[term + 1]!; i++) {
      const doc = index.docs[i]!;
      if (scores[doc] === 0) matched.push(doc);
      scores[doc]! += index.weights[i]!;
    }
  }
  const best = new TopScores(options.limit);
  let total = 0;
  try {
    for (const doc of matched) {
      if (!options.accept || options.accept(doc)) {
        total++;
        best.offer(doc, scores[doc]!);
      }
    }
  } finally {
    for (const doc of matched) scores[doc] = 0;
  }
  const hits = best.docs.map((doc, i) => {
    const tool = index.tools[doc]!;
    return { server: tool.server, name: tool.name, score: Math.round(best.scores[i]! * 1000) / 1000, index: doc };
  });
  return { hits, total };
}

/** Each index's array of scores, all zero between searches (a search is synchronous). */
const scratch = new WeakMap<ToolIndex, Float64Array>();

function scratchOf(index: ToolIndex): Float64Array {
  let scores = scratch.get(index);
  if (!scores) scratch.set(index, (scores = new Float64Array(index.tools.length)));
  return scores;
}

/** The `limit` best (doc, score) pairs offered, best first; equal scores in catalog order. */
class TopScores {
  readonly docs: number[] = [];
  readonly scores: number[] = [];
  constructor(private readonly limit: number) {}

  offer(doc: number, score: number): void {
    const { docs, scores } = this;
    if (this.limit <= 0) return;
    if (docs.length === this.limit && !this.before(doc, score, docs.length - 1)) return;
    let at = docs.length === this.limit ? this.limit - 1 : docs.length;
    while (at > 0 && this.before(doc, score, at - 1)) {
      docs[at] = docs[at - 1]!;
      scores[at] = scores[at - 1]!;
      at--;
    }
    docs[at] = doc;
    scores[at] = score;
  }

  /** Whether (doc, score) ranks before the pair at position `at`. */
  private before(doc: number, score: number, at: number): boolean {
    return score > this.scores[at]! || (score === this.scores[at]! && doc < this.docs[at]!);
  }
}

/** The query's distinct known terms. */
function queryTerms(index: ToolIndex, query: string): Set<number> {
  const found = new Set<number>();
  for (const word of splitWords(query.slice(0, MAX_FIELD_CHARS))) {
    const normal = normalizeWord(word);
    const term = normal === null ? undefined : index.terms.get(normal);
    if (term !== undefined) found.add(term);
  }
  return found;
}

/** The texts of each field: name, title, description, parameters, server. */
function fieldTexts(tool: SearchableTool): string[][] {
  const parameters: string[] = [];
  parameterText(tool.inputSchema, 0, parameters);
  return [[tool.name], [tool.title ?? ""], [tool.description ?? ""], parameters, [tool.server]];
}

/** Parameter names, descriptions and allowed string values of a JSON Schema. */
function parameterText(schema: unknown, depth: number, out: string[]): void {
  if (depth >= MAX_SCHEMA_DEPTH || typeof schema !== "object" || schema === null) return;
  const properties = (schema as { properties?: unknown }).properties;
  if (typeof properties !== "object" || properties === null) return;
  for (const name in properties) {
    const property = (properties as Record<string, unknown>)[name];
    out.push(name);
    if (typeof property !== "object" || property === null) continue;
    const { description, enum: allowed } = property as { description?: unknown; enum?: unknown };
    if (typeof description === "string") out.push(description);
    if (Array.isArray(allowed)) for (const value of allowed) if (typeof value === "string") out.push(value);
    parameterText(property, depth + 1, out);
  }
}

/** An append-only list of numbers that doubles as it fills. */
class Growable {
  private data = new Uint32Array(1 << 14);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}
