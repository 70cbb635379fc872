// Discovery mode end to end: a gateway that lists only its meta-tools, in front of a real
// server-everything, driven by the official SDK clients of both generations. An agent lists
// the servers, searches for a tool, reads its definition and runs it through execute_tool,
// with progress and an elicitation round trip relayed as a direct call would relay them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { allStarted, DEFAULT_KEY, startEverything, startGateway, Teardown, textOf, type Gateway } from "./harness.js";
import { callTool, callToolWithProgress, connectModernClient, type ModernConnected } from "./modern-client.js";

const META = ["list_servers", "get_server_tools", "search_tools", "execute_tool"];

const teardown = new Teardown();
let gateway: Gateway;
let legacy: LegacyClient;
let current: ModernConnected;

beforeAll(async () => {
  const [everything, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  await gateway.configure({
    servers: { everything: { url: everything.url, description: "The MCP reference server's demo tools" } },
    settings: { exposure: "discovery" },
  });
  legacy = new LegacyClient({ name: "e2e-discovery-v1", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  legacy.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: answers("v1") }));
  await legacy.connect(
    new LegacyTransport(gateway.endpoint, { requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } } }),
  );
  teardown.adopt(Promise.resolve(legacy), (client) => client.close());
  current = await teardown.adopt(
    connectModernClient(gateway.endpoint, {
      apiKey: DEFAULT_KEY,
      negotiation: "modern",
      onElicit: () => ({ action: "accept", content: answers("v2") }),
    }),
    (c) => c.close(),
  );
});

afterAll(() => teardown.run());

/** What server-everything's elicitation form asks for. */
function answers(who: string) {
  return { name: `Ada via ${who}`, check: true, email: "ada@example.com", integer: 3 };
}

type Structured = Record<string, unknown>;
const structuredOf = (result: unknown) => (result as { structuredContent: Structured }).structuredContent;

describe.each([
  ["the v1 SDK client (2025 session)", () => ({ call: (name: string, args: Structured) => legacyCall(name, args) })],
  [
    "the v2 SDK client (2026-07-28)",
    () => ({ call: (name: string, args: Structured) => callTool(current, name, args, { timeoutMs: 60_000 }) }),
  ],
])("discovery through %s", (_label, agent) => {
  it("lists the servers, finds a tool by the task, reads its definition and runs it", async () => {
    const { call } = agent();
    const servers = structuredOf(await call("list_servers", {}))["servers"] as Array<Structured>;
    expect(servers).toEqual([expect.objectContaining({ name: "everything", tools: expect.any(Number) })]);

    const found = structuredOf(await call("search_tools", { query: "add up two numbers", limit: 5 }));
    const names = (found["tools"] as Array<Structured>).map((t) => `${t["server"]}/${t["name"]}`);
    expect(names).toContain("everything/get-sum");

    const definitions = structuredOf(await call("get_server_tools", { server: "everything", names: ["get-sum"] }));
    expect(definitions).toMatchObject({ server: "everything", returned: 1, tools: [{ name: "get-sum" }] });

    const sum = await call("execute_tool", { server: "everything", tool: "get-sum", args: { a: 2, b: 40 } });
    expect(textOf(sum)).toContain("42");
    expect(structuredOf(sum)).toMatchObject({
      server: "everything",
      tool: "get-sum",
      result: { content: expect.any(Array) },
    });
  });

  it("relays an elicitation asked during an executed tool, and the answer back", async () => {
    const { call } = agent();
    const result = await call("execute_tool", { server: "everything", tool: "trigger-elicitation-request", args: {} });
    expect(textOf(result)).toContain("User provided the requested information");
  });
});

describe("progress through execute_tool", () => {
  it("reaches the v1 client under its own token", async () => {
    const progress: number[] = [];
    const result = await legacy.callTool(
      {
        name: "execute_tool",
        arguments: { server: "everything", tool: "trigger-long-running-operation", args: { duration: 0.3, steps: 3 } },
      },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000 },
    );
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress).toEqual([1, 2, 3]);
  });

  it("reaches the v2 client", async () => {
    const { result, progress } = await callToolWithProgress(current, "execute_tool", {
      server: "everything",
      tool: "trigger-long-running-operation",
      args: { duration: 0.3, steps: 3 },
    });
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
  });
});

it("lists only the meta-tools to both clients", async () => {
  expect((await legacy.listTools()).tools.map((t) => t.name)).toEqual(META);
  expect((await current.client.listTools()).tools.map((t) => t.name)).toEqual(META);
});

function legacyCall(name: string, args: Structured) {
  return legacy.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
}
