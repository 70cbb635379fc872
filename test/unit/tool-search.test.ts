import { describe, expect, it } from "vitest";
import {
  buildToolIndex,
  normalizeWord,
  searchTools,
  splitWords,
  type SearchableTool,
} from "../../src/gateway/tool-search.js";
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
