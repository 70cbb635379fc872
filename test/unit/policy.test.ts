import { describe, expect, it } from "vitest";
import { decideDelegate, decideInLayer, Policy, type RuleLayer } from "../../src/gateway/policy.js";
import type { RuleSet } from "../../src/config/schemas.js";

const layer = (allow: RuleSet, deny: RuleSet = {}, source = "agent:frontend"): RuleLayer => ({ source, allow, deny });

describe("policy precedence within one agent's rules", () => {
  const rules = layer(
    { servers: ["github", "postgres"], tools: { postgres: ["query", "list_*"] } },
    { tools: { postgres: ["drop_*"] } },
  );

  it("allows every tool of a server in allow.servers that has no per-server list", () => {
    expect(decideInLayer(rules, "tools", "github", "create_issue")).toEqual({
      allowed: true,
      rule: "agent:frontend allow.servers[0]",
    });
  });

  it("restricts a server with a per-server allow list to the names it lists", () => {
    expect(decideInLayer(rules, "tools", "postgres", "list_tables")).toEqual({
      allowed: true,
      rule: "agent:frontend allow.tools.postgres[1]",
    });
    expect(decideInLayer(rules, "tools", "postgres", "vacuum")).toMatchObject({
      allowed: false,
      rule: "agent:frontend allow.tools.postgres (lists no match for 'vacuum')",
    });
  });

  it("lets a deny beat an allow, and cites the deny", () => {
    const both = layer({ servers: ["postgres"], tools: { postgres: ["*"] } }, { tools: { postgres: ["drop_*"] } });
    expect(decideInLayer(both, "tools", "postgres", "drop_table")).toEqual({
      allowed: false,
      rule: "agent:frontend deny.tools.postgres[0]",
    });
  });

  it("does not let a more specific allow override a deny", () => {
    const specific = layer({ tools: { postgres: ["drop_table"] } }, { tools: { postgres: ["drop_*"] } });
    expect(decideInLayer(specific, "tools", "postgres", "drop_table").allowed).toBe(false);
    const serverDenied = layer({ servers: ["*"], tools: { postgres: ["query"] } }, { servers: ["postgres"] });
    expect(decideInLayer(serverDenied, "tools", "postgres", "query")).toEqual({
      allowed: false,
      rule: "agent:frontend deny.servers[0]",
    });
  });

  it("sees nothing without a matching allow", () => {
    expect(decideInLayer(layer({}), "tools", "github", "x")).toEqual({
      allowed: false,
      rule: "agent:frontend (no allow rule matches)",
    });
    expect(decideInLayer(rules, "tools", "jira", "x").allowed).toBe(false);
  });

  it("allows tools listed per server even when the server is not in allow.servers", () => {
    expect(decideInLayer(layer({ tools: { jira: ["get_*"] } }), "tools", "jira", "get_issue").allowed).toBe(true);
  });

  it("keeps kinds apart: allowing a server's tools does not allow its prompts if prompts are restricted", () => {
    const r = layer({ servers: ["github"], prompts: { github: ["summarize"] } });
    expect(decideInLayer(r, "tools", "github", "anything").allowed).toBe(true);
    expect(decideInLayer(r, "prompts", "github", "summarize").allowed).toBe(true);
    expect(decideInLayer(r, "prompts", "github", "other").allowed).toBe(false);
  });

  it("matches resource URIs, with ** crossing slashes and * not", () => {
    const r = layer({ resources: { docs: ["file:///public/**", "note://*"] } });
    expect(decideInLayer(r, "resources", "docs", "file:///public/a/b.md").allowed).toBe(true);
    expect(decideInLayer(r, "resources", "docs", "file:///private/a.md").allowed).toBe(false);
    expect(decideInLayer(r, "resources", "docs", "note://x").allowed).toBe(true);
    expect(decideInLayer(r, "resources", "docs", "note://x/y").allowed).toBe(false);
  });

  it("reads a lone * as everything, in allow and deny, for resource URIs with slashes too", () => {
    const all = layer({ resources: { docs: ["*"] } });
    for (const uri of ["file:///public/a/b.md", "https://example.com/x", "note://x"])
      expect(decideInLayer(all, "resources", "docs", uri).allowed, uri).toBe(true);
    const none = layer({ servers: ["docs"] }, { resources: { docs: ["*"] } });
    expect(decideInLayer(none, "resources", "docs", "file:///public/a/b.md")).toMatchObject({
      allowed: false,
      rule: "agent:frontend deny.resources.docs[0]",
    });
    // Tool names may hold '/' too: a lone * still means every one of them.
    expect(decideInLayer(layer({ tools: { s: ["*"] } }), "tools", "s", "ns/tool").allowed).toBe(true);
  });
});

describe("glob forms", () => {
  it.each([
    ["*", "anything", true],
    ["get_*", "get_user", true],
    ["get_*", "set_user", false],
    ["*_user", "delete_user", true],
    ["*_user", "user_delete", false],
    ["{read,list}_*", "read_file", true],
    ["{read,list}_*", "list_dirs", true],
    ["{read,list}_*", "write_file", false],
    ["exact", "exact", true],
    ["exact", "exactly", false],
  ])("allow pattern %s against %s: %s", (pattern, name, expected) => {
    expect(decideInLayer(layer({ tools: { s: [pattern] } }), "tools", "s", name).allowed).toBe(expected);
  });

  it("matches server keys of per-server lists as globs too", () => {
    const r = layer({ tools: { "pg-*": ["query"] } });
    expect(decideInLayer(r, "tools", "pg-eu", "query").allowed).toBe(true);
    expect(decideInLayer(r, "tools", "mysql", "query").allowed).toBe(false);
  });
});

describe("case never widens rights", () => {
  it("matches deny patterns case-insensitively", () => {
    const r = layer({ servers: ["db"] }, { tools: { db: ["drop_*"] } });
    expect(decideInLayer(r, "tools", "db", "DROP_TABLE").allowed).toBe(false);
    expect(decideInLayer(r, "tools", "db", "Drop_Table").allowed).toBe(false);
  });

  it("matches allow patterns case-sensitively", () => {
    const r = layer({ tools: { db: ["query"] } });
    expect(decideInLayer(r, "tools", "db", "QUERY").allowed).toBe(false);
  });
});

describe("layers: sub-agents and virtual servers only narrow", () => {
  const parent = layer({ servers: ["github", "db"] }, {}, "agent:orchestrator");
  const child = layer({ servers: ["github", "jira"] }, { tools: { github: ["delete_*"] } }, "agent:reviewer");
  const policy = new Policy([parent, child], "k");

  it("allows only what every layer allows", () => {
    expect(policy.decide("tools", "github", "get_pr").allowed).toBe(true);
    expect(policy.decide("tools", "db", "query")).toEqual({
      allowed: false,
      rule: "agent:reviewer (no allow rule matches)",
    });
    expect(policy.decide("tools", "jira", "x")).toEqual({
      allowed: false,
      rule: "agent:orchestrator (no allow rule matches)",
    });
    expect(policy.decide("tools", "github", "delete_repo")).toEqual({
      allowed: false,
      rule: "agent:reviewer deny.tools.github[0]",
    });
  });

  it("treats an empty set of layers as deny", () => {
    expect(new Policy([], "none").decide("tools", "a", "b").allowed).toBe(false);
  });

  it("tells whether any part of a server is visible", () => {
    const p = new Policy([layer({ tools: { jira: ["get_*"] } })], "k2");
    expect(p.decideServer("jira").allowed).toBe(true);
    expect(p.decideServer("github").allowed).toBe(false);
  });
});

describe("delegation", () => {
  const orchestrator = layer({ delegates: ["reviewer", "writer-*"] }, { delegates: ["writer-admin"] }, "agent:orch");

  it("allows only listed sub-agents, deny winning", () => {
    expect(decideDelegate(orchestrator, "reviewer")).toEqual({ allowed: true, rule: "agent:orch allow.delegates[0]" });
    expect(decideDelegate(orchestrator, "writer-docs").allowed).toBe(true);
    expect(decideDelegate(orchestrator, "writer-admin")).toEqual({
      allowed: false,
      rule: "agent:orch deny.delegates[0]",
    });
    expect(decideDelegate(orchestrator, "admin").allowed).toBe(false);
    expect(decideDelegate(layer({}), "reviewer").allowed).toBe(false);
  });
});
