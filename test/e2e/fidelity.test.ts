// What a client sees through the gateway, end to end with server-everything and the
// official SDK clients (v1 in a 2025 session, v2 in 2026-07-28 mode): the upstream's
// instructions under the gateway's own, a client's changed roots reaching the upstream
// that asked for them, configuration changes announced as list changes in both eras, and
// a lone `*` in a rule meaning everything (resources whose URIs have slashes included).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ListRootsRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import {
  allStarted,
  DEFAULT_AGENT,
  DEFAULT_KEY,
  startEverything,
  startGateway,
  Teardown,
  textOf,
  type Gateway,
  type GatewayConfig,
  eventually,
  DELIVERY_MS,
} from "./harness.js";
import { connectModernClient, listenForChanges, type ModernConnected } from "./modern-client.js";

const GATEWAY_INSTRUCTIONS = "Tools of the e2e gateway.";

const teardown = new Teardown();
let gateway: Gateway;
let config: GatewayConfig;
let legacy: LegacyClient;
let modern: ModernConnected;
let roots = [{ uri: "file:///work/one", name: "one" }];
let rootsAsked = 0;
let toolListChanges = 0;

beforeAll(async () => {
  const [everything, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  config = {
    servers: { everything: { url: everything.url } },
    settings: { instructions: GATEWAY_INSTRUCTIONS, configRefreshSeconds: 1 },
    agents: { [DEFAULT_AGENT]: { allow: { servers: ["*"], resources: { everything: ["*"] } } } },
  };
  await gateway.configure(config);
  legacy = new LegacyClient(
    { name: "e2e-fidelity-v1", version: "1.0.0" },
    { capabilities: { roots: { listChanged: true } } },
  );
  legacy.setRequestHandler(ListRootsRequestSchema, () => {
    rootsAsked++;
    return { roots };
  });
  legacy.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolListChanges++);
  await legacy.connect(
    new LegacyTransport(gateway.endpoint, { requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } } }),
  );
  teardown.adopt(Promise.resolve(legacy), (c) => c.close());
  modern = await teardown.adopt(
    connectModernClient(gateway.endpoint, { apiKey: DEFAULT_KEY, negotiation: "modern" }),
    (c) => c.close(),
  );
});

afterAll(() => teardown.run());

describe("instructions", () => {
  it("give both clients the gateway's own, then server-everything's under its name", () => {
    for (const instructions of [legacy.getInstructions(), modern.client.getInstructions()]) {
      expect(instructions?.startsWith(GATEWAY_INSTRUCTIONS)).toBe(true);
      expect(instructions).toContain("## everything");
      expect(instructions).toContain("Everything Server");
    }
  });
});

describe("a client's roots", () => {
  it("reach server-everything again after the v1 client says they changed", async () => {
    expect(textOf(await legacy.callTool({ name: "everything__get-roots-list", arguments: {} }))).toContain(
      "file:///work/one",
    );
    const asked = rootsAsked;
    roots = [...roots, { uri: "file:///work/two", name: "two" }];
    await legacy.sendRootsListChanged();
    await eventually("server-everything asking for the roots again", () => (rootsAsked > asked ? true : undefined));
    expect(textOf(await legacy.callTool({ name: "everything__get-roots-list", arguments: {} }))).toContain(
      "file:///work/two",
    );
  });
});

describe("a lone * in a rule", () => {
  it("allows every resource, those whose URIs have slashes included", async () => {
    const { resources } = await legacy.listResources();
    const uri = resources.find((r) => r.uri.split("/").length > 4)?.uri;
    expect(uri).toBeDefined();
    const read = await legacy.readResource({ uri: uri! });
    expect(read.contents.length).toBeGreaterThan(0);
  });
});

describe("a configuration change", () => {
  it("is announced to both clients as a tools list change, and the lists follow it", async () => {
    expect((await legacy.listTools()).tools.map((t) => t.name)).toContain("everything__echo");
    const changes = await listenForChanges(modern, { toolsListChanged: true });
    const before = toolListChanges;
    try {
      config = {
        ...config,
        agents: {
          [DEFAULT_AGENT]: {
            allow: { servers: ["*"], resources: { everything: ["*"] } },
            deny: { tools: { everything: ["echo"] } },
          },
        },
      };
      await gateway.configure(config);
      await changes.next("notifications/tools/list_changed", DELIVERY_MS);
      await eventually("tools/list_changed on the v1 client", () => (toolListChanges > before ? true : undefined));
      expect((await legacy.listTools()).tools.map((t) => t.name)).not.toContain("everything__echo");
      expect((await modern.client.listTools()).tools.map((t) => t.name)).not.toContain("everything__echo");
    } finally {
      await changes.close();
    }
  });
});
