// Virtual servers (`vs:<name>`) at /mcp/<name> as their clients meet them: who may use
// one, what it shows (its selection intersected with the agent's own rules), its tool
// overrides, sessions that stay on their endpoint, and changes made on the server side only.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetCaches, seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";
import { AgentSession, initializeAs, refusal } from "./support/agent.js";

const CODER = { key: "coder-key-0123456789" };
const REVIEWER = { key: "reviewer-key-0123456789" };
const OUTSIDER = { key: "outsider-key-0123456789" };

describe("virtual servers", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;
  let c: FixtureTenant;

  beforeEach(async () => {
    a = FixtureTenant.create("vs-a");
    b = FixtureTenant.create("vs-b", "second");
    c = FixtureTenant.create("vs-c");
    await a.configure({ tools: ["echo", "get_user", "delete_user", "search"] });
    await b.configure({ tools: ["echo", "search", "deploy"] });
    await c.configure({ tools: ["echo", "lint"] });
    await seedConfig({
      servers: { a: { url: a.url }, b: { url: b.url }, c: { url: c.url } },
      agents: {
        coder: { allow: { servers: ["*"] }, deny: { tools: { b: ["deploy"] } } },
        reviewer: { allow: { servers: ["a", "b"] }, deny: { tools: { "*": ["delete_*"] } } },
        outsider: { allow: { servers: ["*"] } },
      },
      virtualServers: {
        code: {
          description: "for the code-writing agent",
          servers: ["a", "b"],
          tools: { a: ["echo", "get_*", "delete_user"] },
          overrides: {
            "a/echo": { name: "say", title: "Say it", description: "Says it back" },
            "b/deploy": { name: "ship" },
          },
          agents: ["coder"],
        },
        review: {
          description: "for the code-review agent",
          servers: ["a", "c"],
          overrides: { "a/search": { name: "a__echo", description: "would shadow a__echo" } },
          agents: ["review*"],
        },
        shared: { servers: ["a"], agents: ["*"] },
      },
      apiKeys: {
        [CODER.key]: { agent: "coder" },
        [REVIEWER.key]: { agent: "reviewer" },
        [OUTSIDER.key]: { agent: "outsider" },
      },
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The client requests an upstream received, as "tools/call <tool>". */
  const toolCalls = async (tenant: FixtureTenant) =>
    (await tenant.stats()).requests.filter((r) => r.tool !== null).map((r) => r.tool);

  describe("who may use one", () => {
    it("answers 404 NOT_FOUND for a virtual server that does not exist", async () => {
      for (const name of ["nope", "Code", "code.old"]) {
        const { status, body } = await refusal(await initializeAs({ ...CODER, path: `/mcp/${name}` }));
        expect(status, name).toBe(404);
        expect(body.error).toMatchObject({
          code: -32000,
          message: expect.stringContaining(name),
          data: { code: "NOT_FOUND", virtualServer: name },
        });
      }
    });

    it("refuses an agent its vs.agents does not list with 403 FORBIDDEN_VIRTUAL_SERVER", async () => {
      const { status, body } = await refusal(await initializeAs({ ...OUTSIDER, path: "/mcp/code" }));
      expect(status).toBe(403);
      expect(body.error).toMatchObject({
        code: -32000,
        data: { code: "FORBIDDEN_VIRTUAL_SERVER", agent: "outsider", virtualServer: "code" },
      });
      // Each agent has its own endpoint: neither may use the other's.
      expect((await initializeAs({ ...REVIEWER, path: "/mcp/code" })).status).toBe(403);
      expect((await initializeAs({ ...CODER, path: "/mcp/review" })).status).toBe(403);
      // vs.agents takes globs.
      expect((await initializeAs({ ...REVIEWER, path: "/mcp/review" })).status).toBe(200);
      expect((await initializeAs({ ...OUTSIDER, path: "/mcp/shared" })).status).toBe(200);
    });
  });

  describe("what it shows", () => {
    it("shows an agent the intersection of the virtual server's selection and the agent's own rules", async () => {
      const coder = await AgentSession.open({ ...CODER, path: "/mcp/code" });
      expect(await coder.names()).toEqual(["say", "a__get_user", "a__delete_user", "b__echo", "b__search"]);
      // Hidden by the virtual server's selection, though the agent allows it.
      expect((await coder.call("a__search")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "vs:code allow.tools.a (lists no match for 'search')",
      });
      expect((await coder.call("c__echo")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "vs:code (no allow rule matches)",
      });
      // Hidden by the agent's rules, though the virtual server selects it.
      expect((await coder.call("b__deploy")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "agent:coder deny.tools.b[0]",
      });
      expect(await coder.callText("a__get_user")).toBe(`${a.name}/get_user`);
      expect(await toolCalls(a)).toEqual(["get_user"]);
      expect(await toolCalls(b)).toEqual([]);
      expect((await c.stats()).requests).toEqual([]);

      const reviewer = await AgentSession.open({ ...REVIEWER, path: "/mcp/review" });
      // review aggregates a and c; the reviewer may see a and b, and no delete_*.
      expect(await reviewer.names()).toEqual(["a__echo", "a__get_user", "a__search"]);
      expect((await reviewer.call("a__delete_user")).error?.data?.rule).toBe("agent:reviewer deny.tools.*[0]");
      expect((await c.stats()).requests).toEqual([]);
    });

    it("applies per-server selections only to servers it aggregates", async () => {
      // `tools.b` must not smuggle server b into a virtual server that aggregates only a.
      await env.CONFIG.put("vs:only-a", JSON.stringify({ servers: ["a"], tools: { b: ["echo"] }, agents: ["*"] }));
      await forgetCaches();
      const session = await AgentSession.open({ ...OUTSIDER, path: "/mcp/only-a" });
      expect(await session.names()).toEqual(["a__echo", "a__get_user", "a__delete_user", "a__search"]);
      expect((await session.call("b__echo")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "vs:only-a (no allow rule matches)",
      });
      expect((await b.stats()).requests).toEqual([]);
    });

    it("narrows prompts and resources by its selection too", async () => {
      await env.CONFIG.put(
        "vs:docs",
        JSON.stringify({
          servers: ["a", "b"],
          tools: { "*": [] },
          prompts: { a: ["greeting"] },
          resources: { b: [`fixture://${b.name}/readme`] },
          agents: ["*"],
        }),
      );
      await forgetCaches();
      const session = await AgentSession.open({ ...OUTSIDER, path: "/mcp/docs" });
      expect(await session.names()).toEqual([]);
      expect(await session.names("prompts")).toEqual(["a__greeting", "b__greeting"]);
      expect((await session.uris()).sort()).toEqual([`fixture://${a.name}/readme`, `fixture://${b.name}/readme`]);
      expect(await session.uris("resourceTemplates")).toEqual([`fixture://${a.name}/items/{id}`]);
      expect((await session.error("resources/read", { uri: `fixture://${b.name}/items/1` })).data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: `vs:docs allow.resources.b (lists no match for 'fixture://${b.name}/items/1')`,
      });
      expect((await session.call("a__echo")).error?.data?.code).toBe("DENIED_BY_POLICY");
    });
  });

  describe("tool overrides", () => {
    it("lists a renamed tool with its new name, title and description, callable by the new name only", async () => {
      const coder = await AgentSession.open({ ...CODER, path: "/mcp/code" });
      const say = (await coder.list("tools")).find((t) => t["name"] === "say");
      expect(say).toMatchObject({ name: "say", title: "Say it", description: "Says it back" });
      expect(say?.["inputSchema"]).toMatchObject({ type: "object" });

      expect(await coder.callText("say", { text: "renamed" })).toBe("renamed");
      for (const old of ["a__echo", "echo", "SAY", "a__say"]) {
        expect((await coder.call(old, { text: "old name" })).error, old).toBeDefined();
      }
      expect(await toolCalls(a)).toEqual(["echo"]);
    });

    it("leaves the same tool as it is on /mcp, where no override applies", async () => {
      const coder = await AgentSession.open(CODER);
      const tools = await coder.list("tools");
      expect(tools.map((t) => t["name"])).not.toContain("say");
      expect(tools.find((t) => t["name"] === "a__echo")).toMatchObject({ description: `echo from ${a.name}` });
      expect(await coder.callText("a__echo", { text: "plain" })).toBe("plain");
    });

    it("never makes a hidden tool callable through its override's name", async () => {
      const coder = await AgentSession.open({ ...CODER, path: "/mcp/code" });
      expect(await coder.names()).not.toContain("ship");
      expect((await coder.call("ship")).error?.data?.code).toBe("TOOL_NOT_FOUND");
      expect(await toolCalls(b)).toEqual([]);
    });

    it("does not apply an override whose name collides with another tool's, and reports it", async () => {
      const logs = captureLogs();
      const reviewer = await AgentSession.open({ ...REVIEWER, path: "/mcp/review" });
      const tools = await reviewer.list("tools");
      expect(tools.map((t) => t["name"])).toEqual(["a__echo", "a__get_user", "a__search"]);
      expect(tools.find((t) => t["name"] === "a__echo")?.["description"]).toBe(`echo from ${a.name}`);
      expect(await reviewer.callText("a__echo", { text: "still echo" })).toBe("still echo");
      expect(await reviewer.callText("a__search")).toBe(`${a.name}/search`);
      expect(await toolCalls(a)).toEqual(["echo", "search"]);
      expect(logs.events("names.override_collision")).toContainEqual(
        expect.objectContaining({ server: "a", tool: "search", wanted: "a__echo" }),
      );
    });
  });

  describe("sessions", () => {
    it("keeps a session on the endpoint that opened it: 404 on /mcp and on any other virtual server", async () => {
      const onCode = await AgentSession.open({ ...CODER, path: "/mcp/code" });
      const onShared = await AgentSession.open({ ...CODER, path: "/mcp/shared" });
      const onMcp = await AgentSession.open(CODER);
      const elsewhere = [
        onCode.as({ ...CODER, path: "/mcp" }),
        onCode.as({ ...CODER, path: "/mcp/shared" }),
        onShared.as({ ...CODER, path: "/mcp/code" }),
        onMcp.as({ ...CODER, path: "/mcp/code" }),
      ];
      for (const session of elsewhere) {
        const response = await session.post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
        expect(response.status, session.path).toBe(404);
        expect((await refusal(response)).body.error?.data?.code).toBe("SESSION_NOT_FOUND");
        expect((await session.end()).status).toBe(404);
      }
      expect(await onCode.names()).toContain("say");
      expect(await onShared.names()).toContain("a__echo");
      expect(await onMcp.names()).toContain("c__lint");
    });
  });

  describe("changes on the server side only", () => {
    it("shows the same agent what the virtual server aggregates now, with no change to the agent", async () => {
      const session = await AgentSession.open({ ...CODER, path: "/mcp/shared" });
      expect(await session.names()).toEqual(["a__echo", "a__get_user", "a__delete_user", "a__search"]);

      await env.CONFIG.put("vs:shared", JSON.stringify({ servers: ["b", "c"], agents: ["*"] }));
      await forgetCaches();

      expect(await session.names()).toEqual(["b__echo", "b__search", "c__echo", "c__lint"]);
      expect(await session.callText("c__lint")).toBe(`${c.name}/lint`);
      expect((await session.call("a__echo")).error?.data).toMatchObject({
        code: "DENIED_BY_POLICY",
        rule: "vs:shared (no allow rule matches)",
      });
    });

    it("refuses agents a virtual server stops listing, and answers 404 once it is deleted", async () => {
      const session = await AgentSession.open({ ...OUTSIDER, path: "/mcp/shared" });
      await env.CONFIG.put("vs:shared", JSON.stringify({ servers: ["a"], agents: ["coder"] }));
      await forgetCaches();
      const refused = await session.post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      expect(refused.status).toBe(403);

      await env.CONFIG.delete("vs:shared");
      await forgetCaches();
      const gone = await session.as({ ...CODER, path: "/mcp/shared" }).post({ jsonrpc: "2.0", id: 2, method: "ping" });
      expect(gone.status).toBe(404);
      expect((await refusal(gone)).body.error?.data?.code).toBe("NOT_FOUND");
    });
  });
});
