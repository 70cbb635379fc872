// Discovery and hybrid exposure: an endpoint that lists the gateway's meta-tools instead of
// (or beside) every tool, and the meta-tools themselves (list_servers, get_server_tools,
// search_tools, execute_tool) in both eras. They answer from the caller's own view: a tool
// or server hidden from it is never named, counted or run through them.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { seedConfig, TEST_AGENT, type Seed } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";
import { captureLogs } from "./support/logs.js";

const META = ["list_servers", "get_server_tools", "search_tools", "execute_tool"];
const LIMITED = { agent: "limited", key: "discovery-limited-key-0123456789" };

let fx: FixtureTenant;
let fy: FixtureTenant;
let vault: FixtureTenant;

beforeEach(async () => {
  [fx, fy, vault] = [FixtureTenant.create("disc-fx"), FixtureTenant.create("disc-fy"), FixtureTenant.create("disc-v")];
  await fx.configure({ tools: ["echo", "add", "delete_all", "progress"] });
  await fy.configure({ tools: ["echo", "search"] });
  await vault.configure({ tools: ["open_vault"] });
});

afterEach(() => vi.restoreAllMocks());

function seed(extra: Partial<Seed> = {}): Promise<void> {
  return seedConfig({
    servers: {
      fx: { url: fx.url, description: "Arithmetic and echoes" },
      fy: { url: fy.url, description: "Search things" },
      vault: { url: vault.url, description: "Secrets" },
    },
    settings: { exposure: "discovery" },
    agents: {
      [TEST_AGENT]: { allow: { servers: ["*"], delegates: ["limited"] } },
      [LIMITED.agent]: { allow: { servers: ["fx", "fy"] }, deny: { tools: { fx: ["delete_all"] } } },
    },
    apiKeys: { [LIMITED.key]: { agent: LIMITED.agent } },
    ...extra,
  });
}

/** The structured answer of a meta-tool call; fails the test when it failed. */
function structured(answer: RpcMessage | { result?: Record<string, unknown>; error?: unknown }) {
  expect(answer.error, JSON.stringify(answer.error)).toBeUndefined();
  const result = answer.result!;
  const body = result["structuredContent"] as Record<string, unknown>;
  const text = (result["content"] as Array<{ type: string; text: string }>)[0]!;
  return { body, text, result };
}

describe("exposure", () => {
  it("lists every visible tool in direct mode, and no meta-tool", async () => {
    await seed({ settings: {} });
    const client = await GatewayClient.connect();
    expect(await client.toolNames()).toEqual(expect.arrayContaining(["fx__echo", "fy__search", "vault__open_vault"]));
    expect((await client.call("search_tools", { query: "echo" })).error?.data?.code).toBe("TOOL_NOT_FOUND");
  });

  it("lists only the four meta-tools in discovery mode, each with input and output schemas, in both eras", async () => {
    await seed();
    const client = await GatewayClient.connect();
    const tools = await client.tools();
    expect(tools.map((t) => t.name)).toEqual(META);
    for (const tool of tools as unknown as Array<Record<string, { type?: string }>>) {
      expect(tool["inputSchema"]?.type).toBe("object");
      expect(tool["outputSchema"]?.type).toBe("object");
    }
    const modern = await askModern("tools/list");
    expect((modern.result!["tools"] as Array<{ name: string }>).map((t) => t.name)).toEqual(META);
  });

  it("lets an agent's hybrid mode list the tools directTools names beside the meta-tools", async () => {
    await seed({
      agents: { [TEST_AGENT]: { allow: { servers: ["*"] }, exposure: "hybrid", directTools: { fx: ["echo", "a*"] } } },
    });
    const client = await GatewayClient.connect();
    expect(await client.toolNames()).toEqual([...META, "fx__echo", "fx__add"]);
  });

  it("takes the virtual server's mode over the agent's, and the agent's over settings", async () => {
    await seed({
      agents: { [TEST_AGENT]: { allow: { servers: ["*"] }, exposure: "hybrid", directTools: { fy: ["*"] } } },
      virtualServers: { plain: { servers: ["fx"], agents: ["*"], exposure: "direct" } },
    });
    const onVs = await GatewayClient.open({ path: "/mcp/plain" });
    expect(await onVs.toolNames()).toEqual(["fx__echo", "fx__add", "fx__delete_all", "fx__progress"]);
    const onMcp = await GatewayClient.connect();
    expect(await onMcp.toolNames()).toEqual([...META, "fy__echo", "fy__search"]);
  });

  it("still calls a tool by its merged name in discovery mode, as its policy allows", async () => {
    await seed();
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "direct" })).toBe("direct");
  });
});

describe("list_servers", () => {
  it("names the servers the caller may see, with descriptions and the tools it may use", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    const { body, text } = structured(await client.call("list_servers"));
    expect(body).toEqual({
      servers: [
        { name: "fx", description: "Arithmetic and echoes", tools: 3 },
        { name: "fy", description: "Search things", tools: 2 },
      ],
    });
    expect(JSON.parse(text.text)).toEqual(body);
  });

  it("adds era and health when asked, and never the URL or headers", async () => {
    await seed();
    const client = await GatewayClient.connect();
    const { body } = structured(await client.call("list_servers", { include_metadata: true }));
    const servers = body["servers"] as Array<Record<string, unknown>>;
    expect(servers.map((s) => s["name"])).toEqual(["fx", "fy", "vault"]);
    expect(servers[0]).toMatchObject({ era: "legacy", health: "ok", breakerOpen: false });
    expect(JSON.stringify(body)).not.toContain(fx.origin);
  });
});

describe("get_server_tools", () => {
  it("gives the server's visible tools with their definitions and names within the server", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    const { body } = structured(await client.call("get_server_tools", { server: "fx" }));
    const tools = body["tools"] as Array<Record<string, unknown>>;
    expect(tools.map((t) => t["name"])).toEqual(["echo", "add", "progress"]);
    expect(tools[0]).toMatchObject({ description: expect.any(String), inputSchema: { type: "object" } });
    expect(body).toMatchObject({ server: "fx", total: 3, returned: 3 });
  });

  it("narrows to names (array or comma-separated) or a glob, and trims to a token budget", async () => {
    await seed();
    const client = await GatewayClient.connect();
    const named = structured(await client.call("get_server_tools", { server: "fx", names: "echo, add" })).body;
    expect((named["tools"] as Array<{ name: string }>).map((t) => t.name)).toEqual(["echo", "add"]);
    const globbed = structured(await client.call("get_server_tools", { server: "fx", pattern: "*e*" })).body;
    expect((globbed["tools"] as Array<{ name: string }>).map((t) => t.name)).toEqual([
      "echo",
      "delete_all",
      "progress",
    ]);
    const budget = structured(await client.call("get_server_tools", { server: "fx", max_schema_tokens: 60 })).body;
    expect(budget).toMatchObject({ total: 4, returned: 1, omitted: 3 });
  });

  it("refuses a server hidden from the caller as a direct call would, and names no unknown one", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    const hidden = await client.call("get_server_tools", { server: "vault" });
    expect(hidden.error?.data).toMatchObject({ code: "DENIED_BY_POLICY", server: "vault" });
    const unknown = await client.call("get_server_tools", { server: "nowhere" });
    expect(unknown.error?.data?.code).toBe("INVALID_PARAMS");
  });
});

describe("search_tools", () => {
  it("ranks the caller's visible tools for a task, best first, with server, name and schema", async () => {
    await seed();
    const client = await GatewayClient.connect();
    const { body } = structured(await client.call("search_tools", { query: "echo text back", limit: 3 }));
    const tools = body["tools"] as Array<Record<string, unknown>>;
    expect(
      tools
        .map((t) => `${t["server"]}/${t["name"]}`)
        .slice(0, 2)
        .sort(),
    ).toEqual(["fx/echo", "fy/echo"]);
    expect(tools[0]).toMatchObject({ score: expect.any(Number), inputSchema: { type: "object" } });
    const only = structured(await client.call("search_tools", { query: "echo", server: "fy" })).body;
    expect((only["tools"] as Array<{ server: string }>).map((t) => t.server)).toEqual(["fy"]);
  });

  it("never finds, nor counts, what the caller may not see", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    for (const query of ["delete all", "open vault", "vault"]) {
      const { body } = structured(await client.call("search_tools", { query, limit: 50 }));
      const names = (body["tools"] as Array<{ name: string }>).map((t) => t.name);
      expect(names).not.toContain("delete_all");
      expect(names).not.toContain("open_vault");
      expect(body["total"]).toBe(names.length);
    }
  });
});

describe("execute_tool", () => {
  it("calls the tool as a direct call would and hands back its result, in both eras", async () => {
    await seed();
    const logs = captureLogs();
    const client = await GatewayClient.connect();
    const args = { server: "fx", tool: "echo", args: { text: "through" } };
    const { result } = structured(await client.call("execute_tool", args));
    expect(result["content"]).toEqual([{ type: "text", text: "through" }]);
    expect(result["structuredContent"]).toEqual({
      server: "fx",
      tool: "echo",
      result: { content: [{ type: "text", text: "through" }] },
    });
    const modern = structured(await askModern("tools/call", { name: "execute_tool", arguments: args }));
    expect(modern.result["content"]).toEqual([{ type: "text", text: "through" }]);
    const lines = logs.events("audit.upstream").filter((l) => l["name"] === "echo");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ server: "fx", via: "execute_tool", decision: "allow", upstreamStatus: "ok" });
  });

  it("refuses a tool hidden from the caller with the rule that hides it, and calls nothing", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    const hidden = await client.call("execute_tool", { server: "fx", tool: "delete_all" });
    expect(hidden.error?.data).toMatchObject({ code: "DENIED_BY_POLICY", name: "delete_all" });
    const vaulted = await client.call("execute_tool", { server: "vault", tool: "open_vault" });
    expect(vaulted.error?.data).toMatchObject({ code: "DENIED_BY_POLICY", server: "vault" });
    const missing = await client.call("execute_tool", { server: "fx", tool: "nothing" });
    expect(missing.error?.data?.code).toBe("TOOL_NOT_FOUND");
    const calls = [...(await fx.stats()).requests, ...(await vault.stats()).requests].filter((r) => r.tool !== null);
    expect(calls).toEqual([]);
  });

  it("counts against the tool's own rate limit like a direct call", async () => {
    await seed({
      agents: {
        [TEST_AGENT]: {
          allow: { servers: ["*"] },
          rateLimits: { tools: { "fx/echo": { limit: 1, windowSeconds: 60 } } },
        },
      },
    });
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "once" })).toBe("once");
    const again = await client.call("execute_tool", { server: "fx", tool: "echo", args: { text: "twice" } });
    expect(again.error?.data).toMatchObject({ code: "RATE_LIMITED", scope: "tool" });
  });
});

describe("agent_id", () => {
  it("narrows a meta-tool to a sub-agent the caller may delegate to", async () => {
    await seed();
    const client = await GatewayClient.connect();
    const { body } = structured(await client.call("list_servers", { agent_id: LIMITED.agent }));
    expect((body["servers"] as Array<{ name: string }>).map((s) => s.name)).toEqual(["fx", "fy"]);
    const hidden = await client.call("execute_tool", { server: "fx", tool: "delete_all", agent_id: LIMITED.agent });
    expect(hidden.error?.data?.code).toBe("DENIED_BY_POLICY");
  });

  it("refuses a sub-agent the caller may not act as, clearly", async () => {
    await seed();
    const client = await GatewayClient.open({ key: LIMITED.key });
    const refused = await client.call("search_tools", { query: "echo", agent_id: TEST_AGENT });
    expect(refused.error?.data).toMatchObject({ code: "FORBIDDEN_DELEGATION" });
  });
});
