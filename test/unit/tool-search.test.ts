import { describe, expect, it } from "vitest";
import { buildToolIndex, searchTools, type SearchableTool } from "../../src/gateway/tool-search.js";
import { buildToolIndex as build, rankTools } from "../../src/gateway/tool-search.js";
import { TermTable } from "../../src/gateway/term-table.js";
import { normalizeWord, splitWords } from "../../src/gateway/tool-words.js";
import { estimatedTokens, withinBudget } from "../../src/gateway/token-budget.js";

describe("splitting names and sentences into words", () => {
  it("splits snake_case, camelCase, kebab-case, acronyms and digits alike", () => {
    expect(splitWords("get_pull_request")).toEqual(["get", "pull", "request"]);
    expect(splitWords("getPullRequest")).toEqual(["get", "Pull", "Request"]);
    expect(splitWords("get-pull-request")).toEqual(["get", "pull", "request"]);
    expect(splitWords("parseHTTPResponse")).toEqual(["parse", "HTTP", "Response"]);
    expect(splitWords("s3Bucket v2")).toEqual(["s", "3", "Bucket", "v", "2"]);
    expect(splitWords("Créer un événement")).toEqual(["Créer", "un", "événement"]);
  });

  it("reads letters beyond ASCII, their case included, and characters outside the BMP", () => {
    expect(splitWords("ÉtéDate straßeÖffnen")).toEqual(["Été", "Date", "straße", "Öffnen"]);
    expect(splitWords("日本語のテキスト 2段")).toEqual(["日本語のテキスト", "2", "段"]);
    expect(splitWords("deploy🚀now 𝐁old")).toEqual(["deploy", "now", "𝐁old"]);
    expect(splitWords("")).toEqual([]);
  });

  it("stems, lowers and drops words that carry no meaning here", () => {
    expect(normalizeWord("Repositories")).toBe(normalizeWord("repository"));
    expect(normalizeWord("Creating")).toBe(normalizeWord("create"));
    expect(normalizeWord("the")).toBeNull();
    expect(normalizeWord("a")).toBeNull();
  });
});

const tools: SearchableTool[] = [
  { server: "gh", name: "create_issue", description: "Open a new issue in a repository" },
  { server: "gh", name: "list_commits", description: "List the commits of a branch, newest first" },
  {
    server: "fs",
    name: "read_file",
    description: "Return the contents of a file",
    inputSchema: { type: "object", properties: { path: { type: "string", description: "Absolute path" } } },
  },
  { server: "pw", name: "browser_take_screenshot", title: "Take a screenshot", description: "Capture the page" },
  { server: "jira", name: "create_issue", description: "Create a ticket in a Jira project" },
];

describe("ranking tools for a task", () => {
  const index = buildToolIndex(tools);

  it("ranks a tool whose name says the task above one that only mentions it", () => {
    const hits = searchTools(index, "create an issue", { limit: 5 });
    expect(
      hits
        .slice(0, 2)
        .map((h) => `${h.server}/${h.name}`)
        .sort(),
    ).toEqual(["gh/create_issue", "jira/create_issue"]);
    expect(hits[0]!.score).toBeGreaterThan(0);
  });

  it("matches words in any form: stems, name parts, titles and parameter descriptions", () => {
    expect(searchTools(index, "screenshots of a web page")[0]).toMatchObject({ server: "pw" });
    expect(searchTools(index, "commit history")[0]).toMatchObject({ name: "list_commits" });
    expect(searchTools(index, "file at an absolute path")[0]).toMatchObject({ name: "read_file" });
  });

  it("keeps only what the filter lets through, and at most `limit`", () => {
    const hits = searchTools(index, "create issue", { filter: (server) => server === "jira" });
    expect(hits.map((h) => h.server)).toEqual(["jira"]);
    expect(searchTools(index, "create issue commits file page", { limit: 2 })).toHaveLength(2);
  });

  it("finds nothing for words no tool has, and survives queries of symbols", () => {
    expect(searchTools(index, "zebra")).toEqual([]);
    expect(searchTools(index, "*** ?? ---")).toEqual([]);
    expect(searchTools(index, "")).toEqual([]);
  });
});

describe("numbering the terms of many texts", () => {
  it("gives a word the same number wherever it appears, in any form that normalizes alike", () => {
    const table = new TermTable();
    const out: number[] = [];
    expect(table.addTerms("Create the issues", out)).toBe(2);
    table.addTerms("create_issue", out);
    table.addTerms("createIssue now", out);
    expect(out).toEqual([0, 1, 0, 1, 0, 1, 2]);
    expect([...table.terms.keys()]).toEqual([normalizeWord("create"), normalizeWord("issue"), "now"]);
  });

  it("keeps every word apart as it grows far past its first size", () => {
    const table = new TermTable();
    // Letters only ("qa", "qb", …), so that each is one word and none is a stopword.
    const letters = (n: number): string =>
      (n < 26 ? "" : letters(Math.floor(n / 26) - 1)) + "abcdefghijklmnopqrstuvwxyz"[n % 26];
    const words = Array.from({ length: 20_000 }, (_, i) => `q${letters(i)}`);
    const first: number[] = [];
    table.addTerms(words.join(" "), first);
    const again: number[] = [];
    table.addTerms([...words].reverse().join(" "), again);
    const stems = words.map((word) => normalizeWord(word));
    expect(first).toHaveLength(words.length);
    expect(new Set(first).size).toBe(new Set(stems).size);
    const byNumber = [...table.terms.keys()];
    expect(first.map((term) => byNumber[term])).toEqual(stems);
    expect(again).toEqual([...first].reverse());
  });
});

describe("BM25F ranking", () => {
  const catalog: SearchableTool[] = [
    { server: "a", name: "notes", description: "Keeps the weather of a day in a notebook" },
    { server: "a", name: "weather", description: "Forecast for a city" },
    {
      server: "b",
      name: "lookup",
      description: "Looks things up",
      inputSchema: { type: "object", properties: { kind: { type: "string", enum: ["weather", "tides"] } } },
    },
    { server: "b", name: "same", description: "tides" },
    { server: "b", name: "twin", description: "tides" },
  ];
  const index = build(catalog);

  it("ranks a word in the name above the same word in a description, and reads allowed values", () => {
    const { hits, total } = rankTools(index, "weather", { limit: 5 });
    expect(hits.map((h) => h.name)).toEqual(["weather", "notes", "lookup"]);
    expect(total).toBe(3);
  });

  it("orders equal scores by catalog position, counts every match, and returns at most `limit`", () => {
    const ranked = rankTools(index, "tides", { limit: 2 });
    expect(ranked.hits.map((h) => h.name)).toEqual(["same", "twin"]);
    expect(ranked.total).toBe(3);
    expect(rankTools(index, "tides", { limit: 0 })).toEqual({ hits: [], total: 3 });
  });

  it("gives the same answer every time, even after a search whose filter threw", () => {
    const first = rankTools(index, "weather tides", { limit: 5 });
    expect(() =>
      rankTools(index, "weather", {
        limit: 5,
        accept: () => {
          throw new Error("filter failed");
        },
      }),
    ).toThrow("filter failed");
    expect(rankTools(index, "weather tides", { limit: 5 })).toEqual(first);
  });

  it("lets through only the positions `accept` allows, and counts only those", () => {
    const ranked = rankTools(index, "weather tides", { limit: 5, accept: (doc) => doc >= 2 });
    expect(ranked.hits.map((h) => h.index).sort()).toEqual([2, 3, 4]);
    expect(ranked.total).toBe(3);
  });
});

describe("the token budget of get_server_tools", () => {
  const definitions = [{ name: "a".repeat(36) }, { name: "b".repeat(36) }, { name: "c".repeat(36) }];

  it("estimates four characters of JSON per token", () => {
    expect(estimatedTokens({ name: "a".repeat(36) })).toBe(12);
  });

  it("keeps whole definitions in order while they fit, and all without a budget", () => {
    expect(withinBudget(definitions, 24)).toEqual(definitions.slice(0, 2));
    expect(withinBudget(definitions, 23)).toEqual(definitions.slice(0, 1));
    expect(withinBudget(definitions, 5)).toEqual([]);
    expect(withinBudget(definitions, undefined)).toEqual(definitions);
  });
});
