// Hidden means uncallable, tested adversarially: whatever an agent cannot see in its lists
// it cannot reach by any name, case, prefix or route (calls, prompts, reads, templates,
// subscriptions, completions, log levels, batches, virtual servers), and the upstream
// never receives the attempt. A server an agent can see nothing of is never contacted.
import { beforeEach, describe, expect, it } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant, isEraProbe } from "./support/fixture.js";
import { AgentSession } from "./support/agent.js";
import type { RpcError, RpcResponse } from "./support/client.js";

const FRONTEND = { key: "frontend-key-0123456789" };
const REFUSED = ["TOOL_NOT_FOUND", "NOT_FOUND", "DENIED_BY_POLICY"];
/** What the gateway itself asks an upstream while listing; everything else came from a client. */
const BOOKKEEPING = new Set([
  "initialize",
  "notifications/initialized",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
]);

/**
 * The client requests an upstream received: "tools/call query", "resources/read", …
 * The era probe (one session-less `server/discover` before first use) is bookkeeping too,
 * and checked to be exactly that: at most one, sent before anything else.
 */
async function received(tenant: FixtureTenant): Promise<string[]> {
  const { requests } = await tenant.stats();
  const probes = requests.filter((r) => r.method === "server/discover");
  expect(probes.length, `era probes of ${tenant.name}`).toBeLessThanOrEqual(1);
  if (probes.length === 1) expect(requests[0], `the probe comes first at ${tenant.name}`).toSatisfy(isEraProbe);
  return requests
    .filter((r) => r.method !== null && !BOOKKEEPING.has(r.method) && !isEraProbe(r))
    .map((r) => (r.tool === null ? r.method! : `${r.method} ${r.tool}`));
}

function expectRefused(error: RpcError | undefined, what: string): void {
  expect(error, what).toBeDefined();
  expect(REFUSED, `${what}: ${JSON.stringify(error)}`).toContain(error!.data?.code);
}

describe("hidden means uncallable", () => {
  let pg: FixtureTenant;
  let gh: FixtureTenant;
  let secret: FixtureTenant;

  beforeEach(async () => {
    pg = FixtureTenant.create("hidden-pg");
    gh = FixtureTenant.create("hidden-gh", "second");
    secret = FixtureTenant.create("hidden-secret");
    await pg.configure({ tools: ["query", "list_tables", "drop_table", "Drop_Index", "get_user"] });
    await gh.configure({ tools: ["create_issue", "list_issues", "search"] });
    await seedConfig({
      servers: { pg: { url: pg.url }, gh: { url: gh.url }, secret: { url: secret.url } },
      agents: {
        frontend: {
          allow: {
            servers: ["pg", "gh"],
            tools: { pg: ["query", "list_*"] },
            prompts: { gh: ["nothing"] },
            resources: { pg: [`fixture://${pg.name}/readme`] },
          },
          deny: { tools: { pg: ["drop_*"] }, resources: { gh: [`fixture://${gh.name}/readme`] } },
        },
      },
      virtualServers: { all: { servers: ["*"], agents: ["frontend"] } },
      apiKeys: { [FRONTEND.key]: { agent: "frontend" } },
    });
  });

  /** The default test agent sees everything: listing as it first leaves every list in the isolate's cache. */
  async function warmAsTester(): Promise<void> {
    const tester = await AgentSession.open();
    for (const kind of ["tools", "prompts", "resources", "resourceTemplates"] as const) await tester.list(kind);
  }

  it("lists only what the rules allow", async () => {
    const session = await AgentSession.open(FRONTEND);
    expect(await session.names()).toEqual([
      "gh__create_issue",
      "gh__list_issues",
      "gh__search",
      "pg__query",
      "pg__list_tables",
    ]);
    expect(await session.names("prompts")).toEqual(["pg__greeting"]);
    expect(await session.uris()).toEqual([`fixture://${pg.name}/readme`]);
    expect(await session.uris("resourceTemplates")).toEqual([`fixture://${gh.name}/items/{id}`]);
  });

  describe("tools", () => {
    it("refuses a hidden tool by its exposed name with DENIED_BY_POLICY, the rule and the revision", async () => {
      await warmAsTester();
      const session = await AgentSession.open(FRONTEND);
      const denied = await session.call("pg__drop_table");
      expect(denied.error).toEqual({
        code: -32014,
        message: expect.any(String),
        data: {
          code: "DENIED_BY_POLICY",
          rule: "agent:frontend deny.tools.pg[0]",
          revision: expect.stringMatching(/^[0-9a-f]{12}$/),
          server: "pg",
          name: "drop_table",
        },
      });
      expect((await session.call("pg__Drop_Index")).error?.data?.rule).toBe("agent:frontend deny.tools.pg[0]");
      expect((await session.call("pg__get_user")).error?.data?.rule).toBe(
        "agent:frontend allow.tools.pg (lists no match for 'get_user')",
      );
      expect((await session.call("secret__echo")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "agent:frontend (no allow rule matches)",
        server: "secret",
      });
      expect(await received(pg)).toEqual([]);
    });

    it("refuses it by every other name a client might try, and the upstream never receives the call", async () => {
      await warmAsTester();
      const session = await AgentSession.open(FRONTEND);
      const attempts = [
        "drop_table",
        "Drop_Index",
        "get_user",
        "PG__DROP_TABLE",
        "pg__DROP_TABLE",
        "Pg__drop_table",
        "pg__drop_Table",
        "pg__drop_index",
        " pg__drop_table",
        "pg__drop_table ",
        "pg__drop_table\n",
        "\tpg__drop_table",
        "pg__drop_table\u0000",
        "pg__\u200bdrop_table",
        "gh__drop_table",
        "secret__drop_table",
        "pg__pg__drop_table",
        "pg__drop_*",
        "pg__*",
        "pg::drop_table",
        "pg/drop_table",
        "pg.drop_table",
        "pg_drop_table",
        "echo",
        "ECHO",
        "secret__ECHO",
        "Secret__echo",
        "gh__echo",
      ];
      for (const name of attempts) expectRefused((await session.call(name)).error, JSON.stringify(name));
      for (const name of [["pg__drop_table"], { name: "pg__drop_table" }, 42, null]) {
        const error = await session.error("tools/call", { name, arguments: {} });
        expect(error.data?.code, JSON.stringify(name)).toBe("INVALID_PARAMS");
      }

      expect(await session.callText("pg__query")).toBe(`${pg.name}/query`);
      expect(await received(pg)).toEqual(["tools/call query"]);
      expect(await received(gh)).toEqual([]);
      expect(await received(secret)).toEqual([]);
    });

    // An agent that may see nothing of a broken registration must not learn that it exists
    // or why it is broken (down to the missing secret's name): policy answers first.
    it("refuses a hidden server's tools by policy even when its registration is unusable", async () => {
      await seedConfig({
        servers: {
          pg: { url: pg.url },
          locked: { url: secret.url, headers: { authorization: "Bearer ${NOT_SET_FOR_HIDDEN}" } },
        },
        agents: { frontend: { allow: { servers: ["pg"] } } },
        apiKeys: { [FRONTEND.key]: { agent: "frontend" } },
      });
      const session = await AgentSession.open(FRONTEND);
      const error = (await session.call("locked__echo")).error;
      expect(JSON.stringify(error)).not.toContain("NOT_SET_FOR_HIDDEN");
      expect(error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "agent:frontend (no allow rule matches)",
        server: "locked",
      });
    });

    it("lets two agents on the same upstream each call their own tools and refuses each the other's", async () => {
      await seedConfig({
        servers: { pg: { url: pg.url } },
        agents: {
          alice: { allow: { tools: { pg: ["query"] } } },
          bob: { allow: { tools: { pg: ["list_tables"] } } },
        },
        apiKeys: { "alice-key-0123456789": { agent: "alice" }, "bob-key-0123456789": { agent: "bob" } },
      });
      const alice = await AgentSession.open({ key: "alice-key-0123456789" });
      const bob = await AgentSession.open({ key: "bob-key-0123456789" });
      expect(await alice.names()).toEqual(["pg__query"]);
      expect(await bob.names()).toEqual(["pg__list_tables"]);
      expect(await alice.callText("pg__query")).toBe(`${pg.name}/query`);
      expect(await bob.callText("pg__list_tables")).toBe(`${pg.name}/list_tables`);
      expect((await alice.call("pg__list_tables")).error?.data?.rule).toBe(
        "agent:alice allow.tools.pg (lists no match for 'list_tables')",
      );
      expect((await bob.call("pg__query")).error?.data?.rule).toBe(
        "agent:bob allow.tools.pg (lists no match for 'query')",
      );
      expect(await received(pg)).toEqual(["tools/call query", "tools/call list_tables"]);
    });

    it("refuses hidden tools under prefixStrategy 'never' too, where names carry no prefix", async () => {
      await seedConfig({
        servers: { pg: { url: pg.url }, gh: { url: gh.url } },
        settings: { prefixStrategy: "never" },
        agents: { frontend: { allow: { servers: ["*"] }, deny: { tools: { pg: ["drop_*"] } } } },
        apiKeys: { [FRONTEND.key]: { agent: "frontend" } },
      });
      const session = await AgentSession.open(FRONTEND);
      expect(await session.names()).not.toContain("drop_table");
      expect((await session.call("drop_table")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "agent:frontend deny.tools.pg[0]",
      });
      for (const name of ["pg__drop_table", "DROP_TABLE", "Drop_index"]) {
        expectRefused((await session.call(name)).error, name);
      }
      expect(await received(pg)).toEqual([]);
    });
  });

  describe("prompts and completions", () => {
    it("refuses a hidden prompt by any name, through prompts/get and completion/complete alike", async () => {
      await warmAsTester();
      const session = await AgentSession.open(FRONTEND);
      expect(await session.error("prompts/get", { name: "gh__greeting", arguments: { who: "x" } })).toMatchObject({
        code: -32014,
        data: {
          code: "DENIED_BY_POLICY",
          rule: "agent:frontend allow.prompts.gh (lists no match for 'greeting')",
          server: "gh",
          name: "greeting",
        },
      });
      for (const name of ["greeting", "GH__GREETING", "gh__Greeting", "secret__greeting", " gh__greeting"]) {
        expectRefused((await session.rpc("prompts/get", { name, arguments: { who: "x" } })).error, name);
      }
      for (const name of ["gh__greeting", "secret__greeting", "greeting"]) {
        const completion = await session.rpc("completion/complete", {
          ref: { type: "ref/prompt", name },
          argument: { name: "who", value: "a" },
        });
        expectRefused(completion.error, `completion of ${name}`);
      }
      expect(
        (
          await session.rpc("completion/complete", {
            ref: { type: "ref/prompt", name: "gh__greeting" },
            argument: { name: "who", value: "a" },
          })
        ).error?.data?.code,
      ).toBe("DENIED_BY_POLICY");

      // The visible prompt works, and a completion for it reaches its upstream.
      const got = await session.result<{ messages: unknown[] }>("prompts/get", {
        name: "pg__greeting",
        arguments: { who: "me" },
      });
      expect(got.messages).toHaveLength(1);
      await session.rpc("completion/complete", {
        ref: { type: "ref/prompt", name: "pg__greeting" },
        argument: { name: "who", value: "a" },
      });
      expect(await received(pg)).toEqual(["prompts/get", "completion/complete"]);
      expect(await received(gh)).toEqual([]);
      expect(await received(secret)).toEqual([]);
    });
  });

  describe("resources", () => {
    it("refuses reads and subscriptions of hidden resources, however the URI is found", async () => {
      await warmAsTester();
      const session = await AgentSession.open(FRONTEND);
      // In gh's list, but denied.
      expect(await session.error("resources/read", { uri: `fixture://${gh.name}/readme` })).toMatchObject({
        code: -32014,
        data: {
          code: "DENIED_BY_POLICY",
          rule: `agent:frontend deny.resources.gh[0]`,
          server: "gh",
          uri: `fixture://${gh.name}/readme`,
        },
      });
      // Matched only by pg's template, which is hidden.
      expect((await session.error("resources/read", { uri: `fixture://${pg.name}/items/7` })).data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: `agent:frontend allow.resources.pg (lists no match for 'fixture://${pg.name}/items/7')`,
      });
      const unreachable = [
        `fixture://${pg.name}/other`, // in no list, matched by no template
        `fixture://${secret.name}/readme`, // a hidden server's resource
        `fixture://${secret.name}/items/1`, // a hidden server's template
        `FIXTURE://${gh.name}/README`,
        `fixture://${gh.name}/readme/`,
        `fixture://${gh.name}//readme`,
        `fixture://${gh.name}/./readme`,
      ];
      for (const uri of unreachable) {
        expect((await session.rpc("resources/read", { uri })).error, uri).toBeDefined();
      }
      for (const method of ["resources/subscribe", "resources/unsubscribe"]) {
        for (const uri of [`fixture://${gh.name}/readme`, `fixture://${pg.name}/items/7`]) {
          expect((await session.error(method, { uri })).data?.code, `${method} ${uri}`).toBe("DENIED_BY_POLICY");
        }
        expect((await session.rpc(method, { uri: `fixture://${secret.name}/readme` })).error).toBeDefined();
      }
      expect(await received(pg)).toEqual([]);
      expect(await received(gh)).toEqual([]);
      expect(await received(secret)).toEqual([]);

      // What the agent may see, it may read.
      const readme = await session.result<{ contents: Array<{ text: string }> }>("resources/read", {
        uri: `fixture://${pg.name}/readme`,
      });
      expect(readme.contents[0]!.text).toBe("contents of readme");
      const item = await session.result<{ contents: Array<{ text: string }> }>("resources/read", {
        uri: `fixture://${gh.name}/items/3`,
      });
      expect(item.contents[0]!.text).toBe("contents of items/3");
    });

    it("refuses completions for a hidden resource template", async () => {
      await warmAsTester();
      const session = await AgentSession.open(FRONTEND);
      const complete = (uri: string) =>
        session.rpc("completion/complete", {
          ref: { type: "ref/resource", uri },
          argument: { name: "id", value: "1" },
        });
      expect((await complete(`fixture://${pg.name}/items/{id}`)).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: `agent:frontend allow.resources.pg (lists no match for 'fixture://${pg.name}/items/{id}')`,
      });
      expect((await complete(`fixture://${secret.name}/items/{id}`)).error).toBeDefined();
      expect((await complete(`fixture://${gh.name}/readme`)).error?.data?.code).toBe("DENIED_BY_POLICY");
      await complete(`fixture://${gh.name}/items/{id}`);
      expect(await received(pg)).toEqual([]);
      expect(await received(gh)).toEqual(["completion/complete"]);
      expect(await received(secret)).toEqual([]);
    });
  });

  it("sets log levels only on servers the agent can see", async () => {
    const session = await AgentSession.open(FRONTEND);
    expect(await session.result("logging/setLevel", { level: "debug" })).toEqual({});
    expect(await received(pg)).toEqual(["logging/setLevel"]);
    expect(await received(gh)).toEqual(["logging/setLevel"]);
    expect((await secret.stats()).requests).toEqual([]);
  });

  it("refuses hidden items inside a 2025-03-26 batch, answering the visible ones", async () => {
    const session = await AgentSession.open({ ...FRONTEND, protocolVersion: "2025-03-26" });
    const response = await session.post([
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "pg__drop_table", arguments: {} } },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "pg__query", arguments: {} } },
      { jsonrpc: "2.0", id: 3, method: "prompts/get", params: { name: "gh__greeting", arguments: { who: "x" } } },
      { jsonrpc: "2.0", id: 4, method: "resources/read", params: { uri: `fixture://${gh.name}/readme` } },
      { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "secret__echo", arguments: {} } },
      { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } },
    ]);
    expect(response.status).toBe(200);
    const answers = await response.json<RpcResponse[]>();
    const byId = new Map(answers.map((a) => [a.id, a]));
    expect(answers).toHaveLength(5);
    expect(byId.get(2)?.result).toMatchObject({ content: [{ text: `${pg.name}/query` }] });
    for (const id of [1, 3, 4, 5]) expect(byId.get(id)?.error?.data?.code, `id ${id}`).toBe("DENIED_BY_POLICY");
    expect(await received(pg)).toEqual(["tools/call query"]);
    expect(await received(gh)).toEqual([]);
    expect((await secret.stats()).requests).toEqual([]);
  });

  it("refuses hidden items through a virtual server exactly as on /mcp", async () => {
    const direct = await AgentSession.open(FRONTEND);
    const virtual = await AgentSession.open({ ...FRONTEND, path: "/mcp/all" });
    expect(await virtual.names()).toEqual(await direct.names());
    expect((await virtual.call("pg__drop_table")).error?.data).toMatchObject({
      code: "DENIED_BY_POLICY",
      rule: "agent:frontend deny.tools.pg[0]",
    });
    expectRefused((await virtual.call("secret__echo")).error, "secret__echo");
    expectRefused((await virtual.call("drop_table")).error, "drop_table");
    expect((await virtual.error("prompts/get", { name: "gh__greeting" })).data?.code).toBe("DENIED_BY_POLICY");
    expect((await virtual.error("resources/read", { uri: `fixture://${gh.name}/readme` })).data?.code).toBe(
      "DENIED_BY_POLICY",
    );
    expect(await received(pg)).toEqual([]);
    expect(await received(gh)).toEqual([]);
    expect((await secret.stats()).requests).toEqual([]);
  });

  it("never contacts a server the agent can see nothing of, not even to initialize", async () => {
    const session = await AgentSession.open(FRONTEND);
    for (const kind of ["tools", "prompts", "resources", "resourceTemplates"] as const) await session.list(kind);
    await session.result("logging/setLevel", { level: "info" });
    await session.call("secret__echo");
    await session.rpc("prompts/get", { name: "secret__greeting" });
    await session.rpc("resources/read", { uri: `fixture://${secret.name}/readme` });
    await session.rpc("resources/subscribe", { uri: `fixture://${secret.name}/readme` });
    await session.rpc("completion/complete", {
      ref: { type: "ref/resource", uri: `fixture://${secret.name}/items/{id}` },
      argument: { name: "id", value: "1" },
    });
    // Its event stream listens to the upstreams it can see, and only to them.
    const events = await session.stream();
    expect(events.status).toBe(200);
    await expect.poll(async () => [(await pg.stats()).listening, (await gh.stats()).listening]).toEqual([1, 1]);
    await events.body!.cancel();
    expect((await session.end()).status).toBe(204);
    const stats = await secret.stats();
    expect(stats.initialize).toBe(0);
    expect(stats.requests).toEqual([]);
  });

  it("does not contact it either after another agent has listed it", async () => {
    await warmAsTester();
    const before = (await secret.stats()).requests.length;
    expect(before).toBeGreaterThan(0);
    const session = await AgentSession.open(FRONTEND);
    await session.list("tools");
    await session.call("secret__echo");
    await session.rpc("resources/read", { uri: `fixture://${secret.name}/readme` });
    expect((await secret.stats()).requests).toHaveLength(before);
  });
});
