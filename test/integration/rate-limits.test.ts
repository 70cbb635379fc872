// Rate limits as an agent sees them: over its request limit, or a tool's call limit, a
// request is refused with RATE_LIMITED (HTTP 200), saying which limit and when to retry,
// and never reaches the upstream. Counting is exact and shared by every session of the
// agent and by its current-era requests; other agents and other tools are unaffected.
// Counters outlive a test (they live in a Durable Object per agent), so every test uses
// agents of its own, and windows of an hour so that nothing here depends on timing.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, postMcp, type RpcMessage, type RpcResponse } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern, postModern } from "./support/hostile.js";

const RATE_LIMITED = -32016;
const HOUR = 3600;

/** An agent name and API key no other test uses. */
function newAgent(label: string): { name: string; key: string } {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  return { name, key: `rate-key-${name}-0123456789` };
}

/** A current-era request as this key's agent (optionally narrowed to a sub-agent). */
function askAs(key: string, method: string, params: Record<string, unknown> = {}, subAgent?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (subAgent !== undefined) headers["x-mcp-agent"] = subAgent;
  return askModern(method, params, headers);
}

const echo = (text: string) => ({ name: "fx__echo", arguments: { text } });

describe("rate limits", () => {
  let tenant: FixtureTenant;

  beforeEach(() => {
    tenant = FixtureTenant.create("rated");
  });

  /** Registers the fixture as `fx` and these agents (each allowed everything unless it says otherwise). */
  async function seedAgents(
    agents: Array<{ name: string; key: string; rules: Record<string, unknown> }>,
    extraAgents: Record<string, unknown> = {},
  ): Promise<void> {
    await seedConfig({
      servers: { fx: { url: tenant.url } },
      agents: {
        ...Object.fromEntries(agents.map((a) => [a.name, { allow: { servers: ["*"] }, ...a.rules }])),
        ...extraAgents,
      },
      apiKeys: Object.fromEntries(agents.map((a) => [a.key, { agent: a.name }])),
    });
  }

  const callsUpstream = async (tool?: string) =>
    (await tenant.stats()).requests.filter((r) => r.method === "tools/call" && (tool === undefined || r.tool === tool))
      .length;

  function expectRateLimited(
    answer: RpcMessage | RpcResponse,
    data: { limit: number; windowSeconds: number; scope: "agent" | "tool"; agent: string; tool?: string },
  ): void {
    expect(answer.result).toBeUndefined();
    expect(answer.error).toMatchObject({
      code: RATE_LIMITED,
      message: expect.stringMatching(/^Rate limited: /),
      data: { code: "RATE_LIMITED", retryAfterMs: expect.any(Number), ...data },
    });
    expect(answer.error?.data?.["retryAfterMs"]).toBeGreaterThan(0);
    if (data.tool === undefined) expect(answer.error?.data).not.toHaveProperty("tool");
  }

  describe("an agent's request limit", () => {
    it("counts every request, whatever its method, and refuses the one over the limit", async () => {
      const agent = newAgent("requests");
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 4, windowSeconds: HOUR } } } }]);
      // initialize, ping, tools/list and one call: four.
      const client = await GatewayClient.open({ key: agent.key });
      await client.result("ping");
      expect(await client.toolNames()).toContain("fx__echo");
      expect(await client.callText("fx__echo", { text: "third" })).toBe("third");

      const refused = await client.rpc("tools/call", echo("fourth"));
      expectRateLimited(refused, { limit: 4, windowSeconds: HOUR, scope: "agent", agent: agent.name });
      expectRateLimited(await client.rpc("ping"), { limit: 4, windowSeconds: HOUR, scope: "agent", agent: agent.name });
      expectRateLimited(await client.rpc("tools/list"), {
        limit: 4,
        windowSeconds: HOUR,
        scope: "agent",
        agent: agent.name,
      });
      expect(await callsUpstream()).toBe(1);
    });

    it("counts calls of tools that do not exist or are denied, like any other request", async () => {
      const agent = newAgent("unknown-tools");
      await seedAgents([
        {
          ...agent,
          rules: {
            deny: { tools: { fx: ["fail"] } },
            rateLimits: { requests: { limit: 3, windowSeconds: HOUR } },
          },
        },
      ]);
      const client = await GatewayClient.open({ key: agent.key });
      expect((await client.call("fx__no_such_tool")).error?.data?.code).toBe("TOOL_NOT_FOUND");
      expect((await client.call("fx__fail")).error?.data?.code).toBe("DENIED_BY_POLICY");
      expectRateLimited(await client.rpc("ping"), { limit: 3, windowSeconds: HOUR, scope: "agent", agent: agent.name });
    });

    it("counts a ping sent without a session like any other request", async () => {
      const agent = newAgent("sessionless-ping");
      const limited = { limit: 2, windowSeconds: HOUR, scope: "agent" as const, agent: agent.name };
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 2, windowSeconds: HOUR } } } }]);
      const ping = async () => {
        const response = await postMcp(
          { jsonrpc: "2.0", id: 1, method: "ping" },
          { authorization: `Bearer ${agent.key}` },
        );
        expect(response.status).toBe(200);
        return (await response.json()) as RpcResponse;
      };
      expect(await ping()).toMatchObject({ result: {} });
      expect(await ping()).toMatchObject({ result: {} });
      expectRateLimited(await ping(), limited);
      // The two pings used the agent's limit for its other requests too.
      expectRateLimited(await askAs(agent.key, "tools/list"), limited);
      expect(await callsUpstream()).toBe(0);
    });

    it("counts a 2026-07-28 subscriptions/listen like any other request", async () => {
      const agent = newAgent("listen");
      const limited = { limit: 2, windowSeconds: HOUR, scope: "agent" as const, agent: agent.name };
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 2, windowSeconds: HOUR } } } }]);
      const listen = () =>
        postModern(
          "subscriptions/listen",
          { notifications: { toolsListChanged: true } },
          { headers: { authorization: `Bearer ${agent.key}` } },
        );
      const stream = await listen();
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      await stream.body?.cancel();
      expect((await askAs(agent.key, "tools/list")).result).toBeDefined();

      const refused = await listen();
      expect(refused.status).toBe(200);
      expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
      expectRateLimited((await refused.json()) as RpcResponse, limited);
    });

    it("counts requests refused before their target is known: an unknown method, a call without a name", async () => {
      const agent = newAgent("refused-early");
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 3, windowSeconds: HOUR } } } }]);
      const client = await GatewayClient.open({ key: agent.key });
      expect((await client.error("no/such_method")).data?.code).toBe("METHOD_NOT_FOUND");
      expect((await client.error("tools/call", { arguments: {} })).data?.code).toBe("INVALID_PARAMS");
      expectRateLimited(await client.rpc("ping"), { limit: 3, windowSeconds: HOUR, scope: "agent", agent: agent.name });
    });

    it("counts initialize like any other request", async () => {
      const agent = newAgent("initialize");
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 2, windowSeconds: HOUR } } } }]);
      const client = await GatewayClient.open({ key: agent.key });
      await client.result("ping");
      expectRateLimited(await client.rpc("ping"), { limit: 2, windowSeconds: HOUR, scope: "agent", agent: agent.name });
    });

    it("lets `limit` requests come at once, then tells exactly when the next one fits", async () => {
      const agent = newAgent("spacing");
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 3, windowSeconds: HOUR } } } }]);
      const client = await GatewayClient.open({ key: agent.key });
      // initialize and two pings use the three.
      await client.result("ping");
      await client.result("ping");
      const refused = await client.rpc("ping");
      expectRateLimited(refused, { limit: 3, windowSeconds: HOUR, scope: "agent", agent: agent.name });
      // One request every windowSeconds / limit: the next fits twenty minutes after the first three.
      const retryAfterMs = refused.error?.data?.["retryAfterMs"] as number;
      expect(retryAfterMs).toBeGreaterThan(((HOUR / 3) * 1000 * 9) / 10);
      expect(retryAfterMs).toBeLessThanOrEqual((HOUR / 3) * 1000);
      expect(refused.error?.message).toMatch(/retry in \d+ s/);
    });

    it("is shared by every session of the agent and by its current-era requests", async () => {
      const agent = newAgent("shared");
      const limited = { limit: 5, windowSeconds: HOUR, scope: "agent" as const, agent: agent.name };
      await seedAgents([{ ...agent, rules: { rateLimits: { requests: { limit: 5, windowSeconds: HOUR } } } }]);
      // Two initializes, two pings and one current-era server/discover: five.
      const first = await GatewayClient.open({ key: agent.key });
      const second = await GatewayClient.open({ key: agent.key });
      await first.result("ping");
      await second.result("ping");
      expect((await askAs(agent.key, "server/discover")).error).toBeUndefined();

      expectRateLimited(await first.rpc("ping"), limited);
      expectRateLimited(await second.rpc("ping"), limited);
      expectRateLimited(await askAs(agent.key, "tools/call", echo("no")), limited);
      expect(await callsUpstream()).toBe(0);
    });

    it("leaves other agents alone", async () => {
      const busy = newAgent("busy");
      const quiet = newAgent("quiet");
      const rules = { rateLimits: { requests: { limit: 2, windowSeconds: HOUR } } };
      await seedAgents([
        { ...busy, rules },
        { ...quiet, rules },
      ]);
      // initialize and one call each.
      const busyClient = await GatewayClient.open({ key: busy.key });
      expect(await busyClient.callText("fx__echo", { text: "one" })).toBe("one");
      expect((await busyClient.rpc("tools/call", echo("two"))).error?.data?.code).toBe("RATE_LIMITED");

      const quietClient = await GatewayClient.open({ key: quiet.key });
      expect(await quietClient.callText("fx__echo", { text: "mine" })).toBe("mine");
      // The test agent has no limits at all.
      const unlimited = await GatewayClient.connect();
      for (let i = 0; i < 3; i++) expect(await unlimited.callText("fx__echo", { text: `${i}` })).toBe(`${i}`);
    });
  });

  describe("a tool's call limit", () => {
    it("counts each matching tool on its own and leaves the agent's other tools alone", async () => {
      const agent = newAgent("tools");
      await seedAgents([
        { ...agent, rules: { rateLimits: { tools: { "fx/paged_*": { limit: 1, windowSeconds: HOUR } } } } },
      ]);
      const client = await GatewayClient.open({ key: agent.key });
      expect(await client.callText("fx__paged_1")).toBe(`${tenant.name}/paged_1`);
      expect(await client.callText("fx__paged_2")).toBe(`${tenant.name}/paged_2`);

      const refused = await client.call("fx__paged_1");
      expectRateLimited(refused, {
        limit: 1,
        windowSeconds: HOUR,
        scope: "tool",
        agent: agent.name,
        tool: "fx/paged_1",
      });
      expect(refused.error?.message).toContain("fx/paged_1");
      expect((await client.call("fx__paged_2")).error?.data).toMatchObject({
        code: "RATE_LIMITED",
        tool: "fx/paged_2",
      });

      // Tools no pattern matches, and requests other than calls, are not counted against it.
      for (let i = 0; i < 3; i++) expect(await client.callText("fx__echo", { text: `${i}` })).toBe(`${i}`);
      expect(await client.toolNames()).toContain("fx__paged_1");
      expect(await callsUpstream("paged_1")).toBe(1);
      expect(await callsUpstream("paged_2")).toBe(1);
    });

    it("is shared by the agent's sessions and its current-era requests", async () => {
      const agent = newAgent("tool-shared");
      await seedAgents([
        { ...agent, rules: { rateLimits: { tools: { "fx/echo": { limit: 2, windowSeconds: HOUR } } } } },
      ]);
      const limited = { limit: 2, windowSeconds: HOUR, scope: "tool" as const, agent: agent.name, tool: "fx/echo" };
      const first = await GatewayClient.open({ key: agent.key });
      expect(await first.callText("fx__echo", { text: "legacy" })).toBe("legacy");
      expect((await askAs(agent.key, "tools/call", echo("modern"))).error).toBeUndefined();

      const second = await GatewayClient.open({ key: agent.key });
      expectRateLimited(await second.rpc("tools/call", echo("over")), limited);
      expectRateLimited(await askAs(agent.key, "tools/call", echo("over")), limited);
      expect(await callsUpstream("echo")).toBe(2);
    });

    it("applies to one agent only: another agent may still call the tool", async () => {
      const limitedAgent = newAgent("limited");
      const other = newAgent("other");
      await seedAgents([
        { ...limitedAgent, rules: { rateLimits: { tools: { "*/echo": { limit: 1, windowSeconds: HOUR } } } } },
        { ...other, rules: {} },
      ]);
      const limitedClient = await GatewayClient.open({ key: limitedAgent.key });
      expect(await limitedClient.callText("fx__echo", { text: "once" })).toBe("once");
      expect((await limitedClient.call("fx__echo", { text: "twice" })).error?.data?.code).toBe("RATE_LIMITED");
      const otherClient = await GatewayClient.open({ key: other.key });
      for (let i = 0; i < 3; i++) expect(await otherClient.callText("fx__echo", { text: `${i}` })).toBe(`${i}`);
    });
  });

  describe("sub-agents (X-MCP-Agent)", () => {
    it("apply their own limits in addition to the key's agent's", async () => {
      const lead = newAgent("lead");
      const helper = `helper-${crypto.randomUUID().slice(0, 8)}`;
      await seedAgents(
        [
          {
            ...lead,
            rules: {
              allow: { servers: ["*"], delegates: [helper] },
              rateLimits: { tools: { "fx/echo": { limit: 3, windowSeconds: HOUR } } },
            },
          },
        ],
        {
          [helper]: {
            allow: { servers: ["*"] },
            rateLimits: { tools: { "fx/echo": { limit: 1, windowSeconds: HOUR } } },
          },
        },
      );
      const asHelper = await GatewayClient.open({ key: lead.key, subAgent: helper });
      expect(await asHelper.callText("fx__echo", { text: "helper" })).toBe("helper");
      // The helper's own limit refuses it, naming the helper; the lead's still has room.
      expectRateLimited(await asHelper.call("fx__echo", { text: "helper again" }), {
        limit: 1,
        windowSeconds: HOUR,
        scope: "tool",
        agent: helper,
        tool: "fx/echo",
      });
      expectRateLimited(await askAs(lead.key, "tools/call", echo("modern helper"), helper), {
        limit: 1,
        windowSeconds: HOUR,
        scope: "tool",
        agent: helper,
        tool: "fx/echo",
      });

      // The helper's accepted call counted against the lead too: two more, then the lead's limit.
      const asLead = await GatewayClient.open({ key: lead.key });
      expect(await asLead.callText("fx__echo", { text: "lead 1" })).toBe("lead 1");
      expect(await asLead.callText("fx__echo", { text: "lead 2" })).toBe("lead 2");
      expectRateLimited(await asLead.call("fx__echo", { text: "lead 3" }), {
        limit: 3,
        windowSeconds: HOUR,
        scope: "tool",
        agent: lead.name,
        tool: "fx/echo",
      });
      expect(await callsUpstream("echo")).toBe(3);
    });

    it("count a sub-agent's own limit once, whoever acts as it", async () => {
      const lead = newAgent("lead-shared");
      const helper = newAgent("helper-shared");
      await seedAgents([
        { ...lead, rules: { allow: { servers: ["*"], delegates: [helper.name] } } },
        { ...helper, rules: { rateLimits: { requests: { limit: 4, windowSeconds: HOUR } } } },
      ]);
      // Both initializes count for the helper too: two of them and two pings.
      const itself = await GatewayClient.open({ key: helper.key });
      const delegated = await GatewayClient.open({ key: lead.key, subAgent: helper.name });
      await itself.result("ping");
      await delegated.result("ping");
      const limited = { limit: 4, windowSeconds: HOUR, scope: "agent" as const, agent: helper.name };
      expectRateLimited(await itself.rpc("ping"), limited);
      expectRateLimited(await delegated.rpc("ping"), limited);
    });

    it("are held to the key's agent's request limit", async () => {
      const lead = newAgent("lead-requests");
      const helper = `helper-${crypto.randomUUID().slice(0, 8)}`;
      await seedAgents(
        [
          {
            ...lead,
            rules: {
              allow: { servers: ["*"], delegates: [helper] },
              rateLimits: { requests: { limit: 4, windowSeconds: HOUR } },
            },
          },
        ],
        { [helper]: { allow: { servers: ["*"] } } },
      );
      const asLead = await GatewayClient.open({ key: lead.key });
      const asHelper = await GatewayClient.open({ key: lead.key, subAgent: helper });
      await asLead.result("ping");
      await asHelper.result("ping");
      const limited = { limit: 4, windowSeconds: HOUR, scope: "agent" as const, agent: lead.name };
      expectRateLimited(await asHelper.rpc("ping"), limited);
      expectRateLimited(await asLead.rpc("ping"), limited);
    });
  });
});
