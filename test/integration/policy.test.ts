// An agent's rules (`agent:<name>`) end to end through the Worker, with two real fixture
// upstreams: what each rule shows, what it hides, and which rule a refusal names. Every
// glob form and every line of the precedence is checked as a client sees it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetCaches, putServer, seedConfig, type Seed } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";
import { AgentSession } from "./support/agent.js";

const PG_TOOLS = [
  "query",
  "list_tables",
  "list_users",
  "drop_table",
  "drop_users",
  "Drop_Index",
  "get_user",
  "get_table",
  "delete_user",
  "create_user",
  "read_file",
  "write_file",
];
const GH_TOOLS = ["create_issue", "list_issues", "search"];
const SUBJECT_KEY = "subject-key-0123456789";
const REVISION = /^[0-9a-f]{12}$/;

const prefixed = (server: string, names: string[]) => names.map((n) => `${server}__${n}`);

describe("agent rules", () => {
  let pg: FixtureTenant;
  let gh: FixtureTenant;

  beforeEach(async () => {
    pg = FixtureTenant.create("rules-pg");
    gh = FixtureTenant.create("rules-gh", "second");
    await pg.configure({ tools: PG_TOOLS });
    await gh.configure({ tools: GH_TOOLS });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A session for agent "subject" with these rules (undefined: no entry), over servers pg and gh. */
  async function sessionFor(rules: unknown, extra: Omit<Seed, "servers" | "agents" | "apiKeys"> = {}) {
    await seedConfig({
      servers: { pg: { url: pg.url }, gh: { url: gh.url } },
      agents: rules === undefined ? {} : { subject: rules },
      apiKeys: { [SUBJECT_KEY]: { agent: "subject" } },
      ...extra,
    });
    return AgentSession.open({ key: SUBJECT_KEY });
  }

  describe("a lone *", () => {
    it("in allow.resources lists and reads every resource, URIs with slashes included", async () => {
      await pg.configure({ files: { "/docs/a/readme.txt": "nested words" } });
      const session = await sessionFor({ allow: { resources: { pg: ["*"] } } });
      expect(await session.uris()).toContain("file:///docs/a/readme.txt");
      const read = await session.result<{ contents: Array<{ text: string }> }>("resources/read", {
        uri: "file:///docs/a/readme.txt",
      });
      expect(read.contents[0]!.text).toBe("nested words");
    });

    it("in deny.resources hides every resource", async () => {
      await pg.configure({ files: { "/docs/a/readme.txt": "nested words" } });
      const session = await sessionFor({ allow: { servers: ["pg"] }, deny: { resources: { pg: ["*"] } } });
      expect(await session.uris()).toEqual([]);
      const error = await session.error("resources/read", { uri: "file:///docs/a/readme.txt" });
      expect(error.data).toMatchObject({ code: "DENIED_BY_POLICY", rule: "agent:subject deny.resources.pg[0]" });
    });
  });

  describe("tool globs", () => {
    it.each([
      { pattern: "*", shown: PG_TOOLS },
      { pattern: "get_*", shown: ["get_user", "get_table"] },
      { pattern: "*_user", shown: ["get_user", "delete_user", "create_user"] },
      { pattern: "{read,list}_*", shown: ["list_tables", "list_users", "read_file"] },
    ])("allow.tools '$pattern' shows exactly the upstream tools it matches", async ({ pattern, shown }) => {
      const session = await sessionFor({ allow: { tools: { pg: [pattern] } } });
      expect(await session.names()).toEqual(prefixed("pg", shown));
      expect(await session.callText(`pg__${shown[0]}`)).toBe(`${pg.name}/${shown[0]}`);
      for (const hidden of PG_TOOLS.filter((t) => !shown.includes(t))) {
        expect((await session.call(`pg__${hidden}`)).error, hidden).toMatchObject({
          code: -32014,
          data: {
            code: "DENIED_BY_POLICY",
            rule: `agent:subject allow.tools.pg (lists no match for '${hidden}')`,
            server: "pg",
            name: hidden,
          },
        });
      }
    });

    it("matches the upstream's own tool names, not the prefixed ones", async () => {
      const session = await sessionFor({ allow: { tools: { pg: ["pg__query", "pg__*"] } } });
      expect(await session.names()).toEqual([]);
      expect((await session.call("pg__query")).error?.data?.code).toBe("DENIED_BY_POLICY");
    });

    it("lets allow.servers show everything of the servers it names, by name or glob, and nothing else", async () => {
      const byName = await sessionFor({ allow: { servers: ["gh"] } });
      expect(await byName.names()).toEqual(prefixed("gh", GH_TOOLS));
      expect((await byName.call("pg__query")).error).toMatchObject({
        data: { code: "DENIED_BY_POLICY", rule: "agent:subject (no allow rule matches)", server: "pg" },
      });
      const byGlob = await sessionFor({ allow: { servers: ["p*"] } });
      expect(await byGlob.names()).toEqual(prefixed("pg", PG_TOOLS));
    });
  });

  describe("precedence", () => {
    it("lets a deny beat an allow, and deny patterns ignore case", async () => {
      const session = await sessionFor({ allow: { servers: ["pg"] }, deny: { tools: { pg: ["drop_*"] } } });
      expect(await session.names()).toEqual(
        prefixed(
          "pg",
          PG_TOOLS.filter((t) => !t.toLowerCase().startsWith("drop_")),
        ),
      );
      for (const hidden of ["drop_table", "drop_users", "Drop_Index"]) {
        expect((await session.call(`pg__${hidden}`)).error?.data).toMatchObject({
          code: "DENIED_BY_POLICY",
          rule: "agent:subject deny.tools.pg[0]",
        });
      }
    });

    it("never lets a more specific allow override a deny", async () => {
      const server = await sessionFor({ allow: { tools: { pg: ["query"] } }, deny: { servers: ["pg"] } });
      expect(await server.names()).toEqual([]);
      expect((await server.call("pg__query")).error?.data?.rule).toBe("agent:subject deny.servers[0]");

      const tool = await sessionFor({
        allow: { servers: ["pg"], tools: { pg: ["drop_table", "query"] } },
        deny: { tools: { pg: ["drop_*"] } },
      });
      expect(await tool.names()).toEqual(["pg__query"]);
      expect((await tool.call("pg__drop_table")).error?.data?.rule).toBe("agent:subject deny.tools.pg[0]");
    });

    it("applies per-server lists keyed by a glob to every server the glob matches", async () => {
      const session = await sessionFor({ allow: { servers: ["*"] }, deny: { tools: { "*": ["list_*"] } } });
      const names = await session.names();
      expect(names).toEqual([
        ...prefixed("gh", ["create_issue", "search"]),
        ...prefixed(
          "pg",
          PG_TOOLS.filter((t) => !t.startsWith("list_")),
        ),
      ]);
      expect((await session.call("gh__list_issues")).error?.data?.rule).toBe("agent:subject deny.tools.*[0]");
    });

    it("reads the widely used rule shape as written, and names the deciding rule and revision in refusals", async () => {
      const logs = captureLogs();
      await seedConfig({
        servers: { github: { url: gh.url }, postgres: { url: pg.url } },
        agents: {
          frontend: {
            allow: { servers: ["github", "postgres"], tools: { postgres: ["query", "list_*"] } },
            deny: { tools: { postgres: ["drop_*"] } },
          },
        },
        apiKeys: { "frontend-key-0123456789": { agent: "frontend" } },
      });
      const session = await AgentSession.open({ key: "frontend-key-0123456789" });
      expect(await session.names()).toEqual([
        ...prefixed("github", GH_TOOLS),
        ...prefixed("postgres", ["query", "list_tables", "list_users"]),
      ]);
      expect(await session.callText("postgres__query")).toBe(`${pg.name}/query`);
      const revision = logs.events("config.loaded").at(-1)?.["revision"];
      expect(revision).toMatch(REVISION);

      const denied = await session.call("postgres__drop_table");
      expect(denied.error).toEqual({
        code: -32014,
        message: expect.stringContaining("agent:frontend deny.tools.postgres[0]"),
        data: {
          code: "DENIED_BY_POLICY",
          rule: "agent:frontend deny.tools.postgres[0]",
          revision,
          server: "postgres",
          name: "drop_table",
        },
      });
      expect((await session.call("postgres__get_user")).error?.data?.rule).toBe(
        "agent:frontend allow.tools.postgres (lists no match for 'get_user')",
      );

      // The revision named is the one in force: a configuration change moves it on.
      await putServer("unrelated", { url: gh.url, enabled: false });
      await forgetCaches();
      const later = (await session.call("postgres__drop_table")).error?.data?.["revision"];
      expect(later).toMatch(REVISION);
      expect(later).not.toBe(revision);
    });
  });

  describe("the precedence table of docs/policy.md, through the Worker", () => {
    it("decides each row as docs/policy.md says, citing the same rule in refusals and audit lines", async () => {
      const tenants = {
        github: FixtureTenant.create("readme-github"),
        postgres: FixtureTenant.create("readme-postgres", "second"),
        jira: FixtureTenant.create("readme-jira"),
        "docs-api": FixtureTenant.create("readme-docs-api", "second"),
        "docs-internal": FixtureTenant.create("readme-docs-internal"),
        slack: FixtureTenant.create("readme-slack", "second"),
      };
      await tenants.github.configure({ tools: ["create_issue", "delete_repo"] });
      await tenants.postgres.configure({
        tools: ["query", "list_tables", "drop_temp", "DROP_TABLE", "vacuum", "QUERY"],
      });
      await tenants.jira.configure({ tools: ["get_issue"] });
      await tenants["docs-api"].configure({ tools: ["search"] });
      await tenants["docs-internal"].configure({ tools: ["search"] });
      await tenants.slack.configure({ tools: ["post_message"] });
      const logs = captureLogs();
      await seedConfig({
        servers: Object.fromEntries(Object.entries(tenants).map(([name, t]) => [name, { url: t.url }])),
        agents: {
          frontend: {
            allow: {
              servers: ["github", "postgres", "docs-*"],
              tools: { postgres: ["query", "list_*", "drop_temp"], jira: ["get_*"] },
              resources: { "docs-*": ["file:///public/**"] },
            },
            deny: { servers: ["docs-internal"], tools: { postgres: ["drop_*"], "*": ["delete_*"] } },
          },
        },
        apiKeys: { "frontend-key-0123456789": { agent: "frontend" } },
      });
      const session = await AgentSession.open({ key: "frontend-key-0123456789" });
      const rule = (r: string) => `agent:frontend ${r}`;

      const denied: Array<[string, string]> = [
        ["docs-internal__search", rule("deny.servers[0]")],
        ["github__delete_repo", rule("deny.tools.*[0]")],
        ["postgres__drop_temp", rule("deny.tools.postgres[0]")],
        ["postgres__DROP_TABLE", rule("deny.tools.postgres[0]")],
        ["postgres__vacuum", rule("allow.tools.postgres (lists no match for 'vacuum')")],
        ["postgres__QUERY", rule("allow.tools.postgres (lists no match for 'QUERY')")],
        ["slack__post_message", rule("(no allow rule matches)")],
      ];
      for (const [tool, expected] of denied) {
        expect((await session.call(tool)).error?.data?.rule, tool).toBe(expected);
      }
      expect((await session.error("prompts/get", { name: "jira__greeting" })).data?.rule).toBe(
        rule("(no allow rule matches)"),
      );
      const privateUri = `fixture://${tenants["docs-api"].name}/readme`;
      expect((await session.error("resources/read", { uri: privateUri })).data?.rule).toBe(
        rule(`allow.resources.docs-* (lists no match for '${privateUri}')`),
      );

      const allowed: Array<[string, string]> = [
        ["postgres__list_tables", rule("allow.tools.postgres[1]")],
        ["jira__get_issue", rule("allow.tools.jira[0]")],
        ["github__create_issue", rule("allow.servers[0]")],
        ["docs-api__search", rule("allow.servers[2]")],
      ];
      for (const [tool, expected] of allowed) {
        expect((await session.call(tool)).error, tool).toBeUndefined();
        const decision = logs.events("audit.upstream").at(-1);
        expect(decision, tool).toMatchObject({ decision: "allow", rule: expected });
      }
      await session.result("prompts/get", { name: "postgres__greeting", arguments: { who: "x" } });
      expect(logs.events("audit.upstream").at(-1)).toMatchObject({ decision: "allow", rule: rule("allow.servers[1]") });
    });
  });

  describe("changes", () => {
    it("applies changed rules to a live session once the configuration reloads", async () => {
      const session = await sessionFor({ allow: { servers: ["pg"] } });
      expect(await session.callText("pg__drop_table")).toBe(`${pg.name}/drop_table`);

      await seedConfig({
        servers: { pg: { url: pg.url }, gh: { url: gh.url } },
        agents: { subject: { allow: { servers: ["pg", "gh"] }, deny: { tools: { pg: ["drop_*"] } } } },
        apiKeys: { [SUBJECT_KEY]: { agent: "subject" } },
      });
      expect(await session.names()).toEqual([
        ...prefixed("gh", GH_TOOLS),
        ...prefixed(
          "pg",
          PG_TOOLS.filter((t) => !t.toLowerCase().startsWith("drop_")),
        ),
      ]);
      expect((await session.call("pg__drop_table")).error?.data?.rule).toBe("agent:subject deny.tools.pg[0]");
      expect((await pg.stats()).requests.filter((r) => r.tool === "drop_table")).toHaveLength(1);
    });
  });

  describe("prompts and resources", () => {
    it("filters prompts per server, and refuses prompts/get for a hidden one", async () => {
      const session = await sessionFor({
        allow: { servers: ["pg"], prompts: { gh: ["greeting"] } },
        deny: { prompts: { pg: ["greet*"] } },
      });
      expect(await session.names("prompts")).toEqual(["gh__greeting"]);
      // A per-server prompt list shows that server's prompts, not its tools.
      expect((await session.names()).every((n) => n.startsWith("pg__"))).toBe(true);
      const got = await session.result<{ messages: Array<{ content: { text: string } }> }>("prompts/get", {
        name: "gh__greeting",
        arguments: { who: "rules" },
      });
      expect(got.messages[0]!.content.text).toBe(`Hello, rules, from ${gh.name}`);
      expect(await session.error("prompts/get", { name: "pg__greeting", arguments: { who: "x" } })).toMatchObject({
        data: { code: "DENIED_BY_POLICY", rule: "agent:subject deny.prompts.pg[0]", name: "greeting" },
      });
      expect((await pg.stats()).requests.filter((r) => r.method === "prompts/get")).toEqual([]);
    });

    it("matches resource URIs and templates with globs, '**' crossing '/' and '*' not", async () => {
      const session = await sessionFor({
        allow: { servers: ["gh"], resources: { pg: [`fixture://${pg.name}/**`] } },
        deny: { resources: { gh: [`fixture://${gh.name}/items/*`] } },
      });
      expect((await session.uris()).sort()).toEqual([`fixture://${gh.name}/readme`, `fixture://${pg.name}/readme`]);
      expect(await session.uris("resourceTemplates")).toEqual([`fixture://${pg.name}/items/{id}`]);

      const read = await session.result<{ contents: Array<{ text: string }> }>("resources/read", {
        uri: `fixture://${pg.name}/items/5`,
      });
      expect(read.contents[0]!.text).toBe("contents of items/5");
      expect(await session.error("resources/read", { uri: `fixture://${gh.name}/items/5` })).toMatchObject({
        data: { code: "DENIED_BY_POLICY", rule: "agent:subject deny.resources.gh[0]", server: "gh" },
      });

      const single = await sessionFor({ allow: { resources: { pg: [`fixture://${pg.name}/*`] } } });
      expect(await single.uris()).toEqual([`fixture://${pg.name}/readme`]);
      expect(await single.uris("resourceTemplates")).toEqual([]);
      expect((await single.error("resources/read", { uri: `fixture://${pg.name}/items/5` })).data?.code).toBe(
        "DENIED_BY_POLICY",
      );
    });
  });

  describe("agents with nothing to see", () => {
    it.each([
      { label: "no agent entry at all", rules: undefined },
      { label: "an empty agent entry", rules: {} },
      { label: "only denies", rules: { deny: { servers: ["gh"] } } },
    ])("gives an agent with $label empty lists, not errors, and refuses its calls", async ({ rules }) => {
      const session = await sessionFor(rules);
      for (const kind of ["tools", "prompts", "resources", "resourceTemplates"] as const) {
        expect(await session.list(kind), kind).toEqual([]);
      }
      expect((await session.call("pg__query")).error?.data?.code).toBe("DENIED_BY_POLICY");
      expect((await session.call("query")).error?.data?.code).toBe("TOOL_NOT_FOUND");
      const contacted = [...(await pg.stats()).requests, ...(await gh.stats()).requests];
      expect(contacted).toEqual([]);
    });
  });

  describe("rules naming servers that are not registered", () => {
    const rules = { allow: { servers: ["pg", "jira"], tools: { confluence: ["*"] } }, deny: { servers: ["ftp"] } };

    it("keeps working, and shows such a server once it is registered, with no change to the rules", async () => {
      const session = await sessionFor(rules);
      expect(await session.names()).toEqual(prefixed("pg", PG_TOOLS));
      expect(await session.callText("pg__query")).toBe(`${pg.name}/query`);

      await putServer("jira", { url: gh.url });
      await forgetCaches();
      expect(await session.names()).toEqual([...prefixed("jira", GH_TOOLS), ...prefixed("pg", PG_TOOLS)]);
    });

    // Rules may name servers before they are registered: a warning, logged once per revision.
    it("logs a config.warning line naming each unregistered server", async () => {
      const logs = captureLogs();
      const session = await sessionFor(rules);
      await session.names();
      const warnings = logs.events("config.warning").map((line) => JSON.stringify(line));
      expect(warnings.some((w) => w.includes("jira"))).toBe(true);
      expect(warnings.some((w) => w.includes("confluence"))).toBe(true);
      expect(warnings.some((w) => w.includes("ftp"))).toBe(true);
      expect(logs.events("config.invalid_entry")).toEqual([]);
    });
  });
});
