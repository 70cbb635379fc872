// Hidden means uncallable through the meta-tools too, tested adversarially: whatever an
// agent could not see in direct mode, no meta-tool names, counts, describes or runs, by any
// spelling, glob, list of names, search query, sub-agent or virtual server; and no
// upstream ever receives the attempt.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, type RpcResponse } from "./support/client.js";
import { reloadConfig, seedConfig } from "./support/config.js";
import { env } from "cloudflare:workers";
import { FixtureTenant } from "./support/fixture.js";

const AGENT = { agent: "frontend", key: "hostile-discovery-key-0123456789" };
const HIDDEN_TOOLS = ["drop_table", "Drop_Index"];
const REFUSED = ["TOOL_NOT_FOUND", "NOT_FOUND", "DENIED_BY_POLICY", "INVALID_PARAMS", "FORBIDDEN_DELEGATION"];

let pg: FixtureTenant;
let secret: FixtureTenant;
let client: GatewayClient;

beforeEach(async () => {
  pg = FixtureTenant.create("hd-pg");
  secret = FixtureTenant.create("hd-secret");
  await pg.configure({ tools: ["query", "list_tables", "drop_table", "Drop_Index"] });
  await secret.configure({ tools: ["leak_everything"] });
  await seedConfig({
    servers: { pg: { url: pg.url, description: "Postgres" }, secret: { url: secret.url, description: "Secrets" } },
    settings: { exposure: "discovery" },
    agents: {
      [AGENT.agent]: {
        allow: { servers: ["pg"], tools: { pg: ["query", "list_*"] }, delegates: ["helper"] },
        deny: { tools: { pg: ["drop_*"] } },
      },
      helper: { allow: { servers: ["pg", "secret"] } },
    },
    apiKeys: { [AGENT.key]: { agent: AGENT.agent } },
    virtualServers: {
      renamer: {
        servers: ["pg"],
        agents: ["frontend"],
        overrides: { "pg/drop_table": { name: "harmless", description: "Lists nothing" } },
      },
    },
  });
  client = await GatewayClient.open({ key: AGENT.key });
});

/** Everything an answer says, for checking that no hidden name or server appears in it. */
function said(response: RpcResponse): string {
  return JSON.stringify(response);
}

function expectNothingHidden(response: RpcResponse, what: string): void {
  for (const name of [...HIDDEN_TOOLS, "leak_everything", "Secrets"]) expect(said(response), what).not.toContain(name);
}

async function upstreamCalls(): Promise<string[]> {
  const requests = [...(await pg.stats()).requests, ...(await secret.stats()).requests];
  return requests.filter((r) => r.method === "tools/call").map((r) => String(r.tool));
}

describe("the meta-tools under attack", () => {
  it("describe no hidden tool, whatever glob or names get_server_tools is given", async () => {
    for (const args of [
      { server: "pg" },
      { server: "pg", pattern: "*" },
      { server: "pg", pattern: "**" },
      { server: "pg", pattern: "*drop*" },
      { server: "pg", pattern: "[Dd]rop*" },
      { server: "pg", names: HIDDEN_TOOLS },
      { server: "pg", names: "drop_table,Drop_Index,query" },
      { server: "pg", names: ["DROP_TABLE", "drop_table ", "pg__drop_table"] },
    ]) {
      const response = await client.call("get_server_tools", args);
      expectNothingHidden(response, JSON.stringify(args));
      const tools = (response.result?.["structuredContent"] as { tools?: Array<{ name: string }> } | undefined)?.tools;
      for (const tool of tools ?? []) expect(["query", "list_tables"]).toContain(tool.name);
    }
  });

  it("find and count no hidden tool, whatever the query", async () => {
    for (const query of [
      "drop table",
      "drop_table",
      "Drop_Index",
      "drop*",
      "*",
      "leak everything",
      "secret",
      "pg drop",
    ]) {
      const response = await client.call("search_tools", { query, limit: 50 });
      expectNothingHidden(response, query);
      const body = response.result?.["structuredContent"] as { tools: unknown[]; total: number };
      expect(body.total, query).toBe(body.tools.length);
    }
  });

  it("find nothing a new configuration revision hides, though the index of the same lists is kept", async () => {
    const names = async () => {
      const response = await client.call("search_tools", { query: "list tables query", limit: 50 });
      const body = response.result?.["structuredContent"] as { tools: Array<{ name: string }>; total: number };
      return { names: body.tools.map((t) => t.name).sort(), total: body.total };
    };
    expect(await names()).toEqual({ names: ["list_tables", "query"], total: 2 });
    // A live revision (the upstream lists stay cached, so the index built over them is reused).
    await env.CONFIG.put(
      `agent:${AGENT.agent}`,
      JSON.stringify({ allow: { servers: ["pg"], tools: { pg: ["query"] }, delegates: ["helper"] } }),
    );
    await reloadConfig();
    expect(await names()).toEqual({ names: ["query"], total: 1 });
    expect(await pg.stats().then((s) => s.requests.filter((r) => r.method === "tools/list").length)).toBe(1);
  });

  it("run no hidden tool, by any spelling, server name or sub-agent the caller may not act as", async () => {
    const attempts: Array<Record<string, unknown>> = [
      ...HIDDEN_TOOLS.map((tool) => ({ server: "pg", tool })),
      { server: "pg", tool: "DROP_TABLE" },
      { server: "pg", tool: "pg__drop_table" },
      { server: "pg", tool: "drop_table", agent_id: "frontend" },
      { server: "secret", tool: "leak_everything" },
      { server: "Secret", tool: "leak_everything" },
      { server: "secret", tool: "leak_everything", agent_id: "nobody" },
      { server: "secret", tool: "leak_everything", agent_id: "../helper" },
      { server: "__proto__", tool: "constructor" },
      { server: "pg", tool: "__proto__" },
      { server: "pg", tool: "toString" },
    ];
    for (const args of attempts) {
      const response = await client.call("execute_tool", args);
      expect(response.result, JSON.stringify(args)).toBeUndefined();
      expect(REFUSED, `${JSON.stringify(args)}: ${said(response)}`).toContain(response.error?.data?.code);
    }
    expect(await upstreamCalls()).toEqual([]);
  });

  it("list no server the caller can see nothing of, with or without metadata", async () => {
    for (const include_metadata of [false, true]) {
      const response = await client.call("list_servers", { include_metadata });
      expectNothingHidden(response, `include_metadata ${include_metadata}`);
      const servers = (response.result?.["structuredContent"] as { servers: Array<{ name: string }> }).servers;
      expect(servers.map((s) => s.name)).toEqual(["pg"]);
    }
  });

  it("widen nothing through agent_id: a sub-agent sees only what its own rules allow, within the key's", async () => {
    const servers = await client.call("list_servers", { agent_id: "helper" });
    // helper may see pg and secret by its own rules, but narrowing never widens past the key's agent.
    expect(said(servers)).not.toContain("leak_everything");
    const run = await client.call("execute_tool", { server: "pg", tool: "drop_table", agent_id: "helper" });
    expect(run.error?.data?.code).toBe("DENIED_BY_POLICY");
    expect(await upstreamCalls()).toEqual([]);
  });

  it("run no hidden tool through a virtual server's rename of it", async () => {
    const onVs = await GatewayClient.open({ key: AGENT.key, path: "/mcp/renamer" });
    for (const tool of ["harmless", "drop_table"]) {
      const response = await onVs.call("execute_tool", { server: "pg", tool });
      expect(REFUSED, tool).toContain(response.error?.data?.code);
    }
    const found = await onVs.call("search_tools", { query: "lists nothing harmless", limit: 50 });
    expect(said(found)).not.toContain("harmless");
    expect(await upstreamCalls()).toEqual([]);
  });
});
