import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type Settings } from "../../src/config/schemas.js";
import type { ConfigSnapshot } from "../../src/config/snapshot.js";
import type { ServerItems } from "../../src/gateway/catalog.js";
import { Policy } from "../../src/gateway/policy.js";
import { namedView, uriView } from "../../src/gateway/views.js";
import { visibleNamed, visibleUris } from "../../src/gateway/visible-views.js";

let revisions = 0;
/** A snapshot with these registrations (and their prefixes), under a revision of its own. */
function snapshot(prefixes: Record<string, string | undefined>, settings: Partial<Settings> = {}): ConfigSnapshot {
  const servers = new Map(Object.entries(prefixes).map(([name, prefix]) => [name, { name, registration: { prefix } }]));
  return {
    revision: `r${++revisions}`,
    settings: { ...DEFAULT_SETTINGS, ...settings },
    servers,
  } as unknown as ConfigSnapshot;
}

let versions = 0;
const list = (server: string, items: Array<Record<string, unknown>>): ServerItems => ({
  server,
  items,
  version: ++versions,
  expiresAt: Number.MAX_SAFE_INTEGER,
});
const tools = (...names: string[]) => names.map((name) => ({ name, description: `does ${name}` }));

describe("namedView: one server's tools and prompts under the names clients see", () => {
  it("maps names by the snapshot's prefix rules, keeping each item's other fields", () => {
    const view = namedView(
      "tools",
      [list("gh", tools("search")), list("db", tools("query"))],
      snapshot({ gh: undefined, db: undefined }),
    );
    expect(view.items).toEqual([
      { name: "db__query", description: "does query" },
      { name: "gh__search", description: "does search" },
    ]);
    expect(view.names.byExposed.get("gh__search")).toEqual({ exposed: "gh__search", server: "gh", original: "search" });
  });

  it("follows a registration's own prefix and the separator setting", () => {
    const view = namedView(
      "tools",
      [list("github", tools("search"))],
      snapshot({ github: "gh" }, { prefixSeparator: "." }),
    );
    expect(view.items.map((i) => i.name)).toEqual(["gh.search"]);
  });

  it("is the same view for the same lists, and a new one when a list is fetched again", () => {
    const config = snapshot({ gh: undefined });
    const lists = [list("gh", tools("search"))];
    expect(namedView("tools", lists, config)).toBe(namedView("tools", lists, config));
    const refetched = [list("gh", tools("search"))];
    expect(namedView("tools", refetched, config)).not.toBe(namedView("tools", lists, config));
  });

  it("changes its fingerprint only when the names change", () => {
    const config = snapshot({ gh: undefined });
    const before = namedView("tools", [list("gh", tools("a", "b"))], config);
    const described = namedView("tools", [list("gh", [{ name: "a", description: "new" }, { name: "b" }])], config);
    const renamed = namedView("tools", [list("gh", tools("a", "c"))], config);
    expect(described.fingerprint).toBe(before.fingerprint);
    expect(renamed.fingerprint).not.toBe(before.fingerprint);
  });
});

describe("uriView: resources and templates merged by URI", () => {
  it("keeps the first server in name order for a URI two servers offer, and reports the collision", () => {
    const view = uriView("resources", [
      list("zeta", [{ uri: "file:///shared" }, { uri: "file:///z" }]),
      list("alpha", [{ uri: "file:///shared" }, { uri: "file:///a" }]),
    ]);
    expect(view.items.map((i) => i["uri"])).toEqual(["file:///shared", "file:///a", "file:///z"]);
    expect(view.owners.get("file:///shared")).toBe("alpha");
    expect(view.collisions).toEqual([{ uri: "file:///shared", kept: "alpha", dropped: "zeta" }]);
  });

  it("merges templates by uriTemplate and skips items without one", () => {
    const view = uriView("resourceTemplates", [
      list("fs", [{ uriTemplate: "file:///{path}" }, { name: "no template" }]),
    ]);
    expect([...view.owners]).toEqual([["file:///{path}", "fs"]]);
  });
});

describe("what one principal sees of a merged view", () => {
  const allowGhOnlySearch = new Policy(
    [{ source: "agent:a", allow: { servers: ["*"], tools: { gh: ["search"] } }, deny: {} }],
    "policy-gh-search",
  );

  it("shows only the tools the policy allows, under the merged view's names", () => {
    const merged = namedView(
      "tools",
      [list("gh", tools("search", "delete")), list("db", tools("query"))],
      snapshot({ gh: undefined, db: undefined }),
    );
    const visible = visibleNamed("tools", merged, allowGhOnlySearch, undefined);
    expect(visible.items.map((i) => i.name)).toEqual(["db__query", "gh__search"]);
    expect(visible.byExposed.has("gh__delete")).toBe(false);
  });

  it("applies a virtual server's renames, titles and descriptions", () => {
    const merged = namedView("tools", [list("gh", tools("search"))], snapshot({ gh: undefined }));
    const overrides = { "gh/search": { name: "find_code", title: "Find code", description: "Searches code" } };
    const visible = visibleNamed("tools", merged, allowGhOnlySearch, overrides);
    expect(visible.items).toEqual([{ name: "find_code", title: "Find code", description: "Searches code" }]);
    expect(visible.byExposed.get("find_code")).toEqual({ exposed: "find_code", server: "gh", original: "search" });
  });

  it("keeps the merged name when a rename would take a name another tool has", () => {
    const merged = namedView("tools", [list("gh", tools("search", "list"))], snapshot({ gh: undefined }));
    const everything = new Policy([{ source: "agent:a", allow: { servers: ["*"] }, deny: {} }], "policy-all");
    const visible = visibleNamed("tools", merged, everything, { "gh/search": { name: "gh__list" } });
    expect(visible.items.map((i) => i.name)).toEqual(["gh__search", "gh__list"]);
  });

  it("shows only the resources the policy allows, with their owners", () => {
    const merged = uriView("resources", [list("fs", [{ uri: "file:///public/a" }, { uri: "file:///private/b" }])]);
    const policy = new Policy(
      [{ source: "agent:a", allow: { servers: ["*"], resources: { fs: ["file:///public/**"] } }, deny: {} }],
      "policy-public",
    );
    const visible = visibleUris("resources", merged, policy);
    expect(visible.items).toEqual([{ uri: "file:///public/a" }]);
    expect([...visible.owners]).toEqual([["file:///public/a", "fs"]]);
  });
});
