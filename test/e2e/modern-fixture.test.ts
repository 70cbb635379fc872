// The modern fixture (test/fixtures/modern-server.mjs) and the v2 client helpers
// (modern-client.ts) against each other, with no gateway in between: proof that the
// fixture speaks 2026-07-28 the way the v2 SDK client expects, before gateway tests rely on it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Teardown, textOf } from "./harness.js";
import {
  callTool,
  callToolAborted,
  callToolWithProgress,
  connectModernClient,
  listenForChanges,
  startModernServer,
  type ModernConnected,
  type ModernServer,
} from "./modern-client.js";

const teardown = new Teardown();
let server: ModernServer;
let connected: ModernConnected;

beforeAll(async () => {
  server = await teardown.adopt(startModernServer(), (s) => s.stop());
  connected = await teardown.adopt(
    connectModernClient(server.url, {
      apiKey: "fixture-key",
      onElicit: (params) => {
        expect(params.mode ?? "form").toBe("form");
        return { action: "accept", content: { confirmed: true, note: "go" } };
      },
      onSample: (params) => {
        const last = params.messages.at(-1)?.content;
        const asked = last && !Array.isArray(last) && last.type === "text" ? last.text : "?";
        return { model: "test-model", role: "assistant", content: { type: "text", text: `reply to ${asked}` } };
      },
    }),
    (c) => c.close(),
  );
});

afterAll(() => teardown.run());

beforeEach(async () => {
  await server.reset();
});

describe("modern fixture, v2 client directly", () => {
  it("negotiates 2026-07-28 through server/discover", async () => {
    expect(connected.era).toBe("modern");
    expect(connected.protocolVersion).toBe("2026-07-28");
    const probe = connected.wire[0]!;
    expect(probe.headers["mcp-method"]).toBe("server/discover");
    expect(probe.headers["mcp-protocol-version"]).toBe("2026-07-28");
    expect(probe.headers["authorization"]).toBe("Bearer fixture-key");
    expect(probe.body).toMatchObject({
      method: "server/discover",
      params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
    });
    expect(connected.client.getDiscoverResult()?.supportedVersions).toEqual(["2026-07-28"]);
  });

  it("lists tools, prompts and resources", async () => {
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ["add", "confirm", "echo", "grow", "log", "progress", "sample", "slow"].sort(),
    );
    const { prompts } = await connected.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["greet"]);
    const { resources } = await connected.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(["modern://info"]);
    const prompt = await connected.client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expect(JSON.stringify(prompt.messages)).toContain("Hello, Ada");
    const read = await connected.client.readResource({ uri: "modern://info" });
    expect(read.contents[0]).toMatchObject({ uri: "modern://info", text: expect.stringContaining("2026-07-28") });
  });

  it("calls echo and add, with the envelope and headers on each request", async () => {
    expect(textOf(await callTool(connected, "echo", { text: "hi" }))).toBe("echo: hi");
    expect(textOf(await callTool(connected, "add", { a: 2, b: 3 }))).toBe("5");
    const control = await server.control();
    expect(control.requests["tools/call"]).toBe(2);
    expect(control.lastHeaders["tools/call"]).toMatchObject({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "add",
    });
    expect(control.lastHeaders["tools/call"]).not.toHaveProperty("authorization");
    expect(control.lastMeta["tools/call"]).toMatchObject({
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientInfo": { name: "e2e-modern-client", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} }, sampling: {} },
    });
  });

  it("streams progress to the callback", async () => {
    const { result, progress } = await callToolWithProgress(connected, "progress", { steps: 3, delayMs: 20 });
    expect(textOf(result)).toBe("done 3");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
    const meta = (await server.control()).lastMeta["tools/call"];
    expect(meta).toHaveProperty("progressToken");
  });

  it("completes an elicitation round trip (input_required, then a retry with inputResponses)", async () => {
    const result = await callTool(connected, "confirm", { question: "Deploy?" });
    expect(textOf(result)).toBe('confirmed: {"confirmed":true,"note":"go"}');
    const control = await server.control();
    expect(control.requests["tools/call"]).toBe(2);
    expect(control.lastParams["tools/call"]).toMatchObject({
      name: "confirm",
      inputResponses: { confirm: { action: "accept", content: { confirmed: true, note: "go" } } },
      requestState: expect.stringMatching(/^confirm:/),
    });
  });

  it("completes a sampling round trip", async () => {
    const result = await callTool(connected, "sample", { prompt: "say hi" });
    expect(textOf(result)).toBe("sampled: reply to say hi");
    expect((await server.control()).lastParams["tools/call"]).toMatchObject({ requestState: "sample:1" });
  });

  it("delivers tools list_changed on subscriptions/listen after grow", async () => {
    const changes = await listenForChanges(connected);
    try {
      expect(changes.honored).toMatchObject({ toolsListChanged: true });
      expect(textOf(await callTool(connected, "grow", { name: "sprout" }))).toBe("grew sprout");
      const change = await changes.next("notifications/tools/list_changed");
      expect(change.params?.["_meta"]).toMatchObject({ "io.modelcontextprotocol/subscriptionId": expect.any(String) });
      const { tools } = await connected.client.listTools(undefined, { cacheMode: "refresh" });
      expect(tools.map((t) => t.name)).toContain("sprout");
      expect(textOf(await callTool(connected, "sprout"))).toBe("sprout grown");
    } finally {
      await changes.close();
    }
    expect(await changes.subscription!.closed).toBe("local");
    const control = await server.control();
    expect(control.requests["subscriptions/listen"]).toBe(1);
    // Closing a subscription aborts its stream AND posts notifications/cancelled for it.
    expect(control.lastParams["notifications/cancelled"]).toMatchObject({
      requestId: expect.stringMatching(/^listen:/),
    });
  });

  it("cancels slow by aborting the HTTP exchange (no notifications/cancelled)", async () => {
    const error = await callToolAborted(connected, "slow", { ms: 5_000 }, 200);
    expect(String(error)).toMatch(/abort/i);
    await expect.poll(async () => (await server.control()).cancellations, { timeout: 3_000 }).toBe(1);
    const control = await server.control();
    expect(control.httpAborts).toBeGreaterThanOrEqual(1);
    expect(control.slowCompleted).toBe(0);
    expect(control.requests["notifications/cancelled"]).toBeUndefined();
  });

  it("sends log messages only when the request carries a log level", async () => {
    const before = connected.notifications.length;
    expect(textOf(await callTool(connected, "log", { level: "warning", text: "unasked" }))).toBe("logged");
    expect(textOf(await callTool(connected, "log", { level: "debug", text: "too low" }, { logLevel: "info" }))).toBe(
      "logged",
    );
    expect(textOf(await callTool(connected, "log", { level: "warning", text: "careful" }, { logLevel: "info" }))).toBe(
      "logged",
    );
    expect(textOf(await callTool(connected, "log", { level: "debug", text: "forced", force: true }))).toBe("logged");
    const logs = connected.notifications.slice(before).filter((n) => n.method === "notifications/message");
    expect(logs.map((n) => [n.params?.["level"], n.params?.["data"]])).toEqual([
      ["warning", "careful"],
      ["debug", "forced"],
    ]);
    // The level rides in the request's own `_meta`; the v2 client never adds it by itself.
    expect(connected.wire.at(-2)?.body).toMatchObject({
      params: { _meta: { "io.modelcontextprotocol/logLevel": "info" } },
    });
    expect(JSON.stringify(connected.wire.at(-1)?.body)).not.toContain("logLevel");
  });
});

describe("modern fixture, v1 (2025-era) client", () => {
  it("is refused: initialize gets -32022 naming 2026-07-28", async () => {
    const client = new LegacyClient({ name: "e2e-v1-client", version: "1.0.0" });
    const transport = new LegacyTransport(new URL(server.url));
    const error = await client.connect(transport).then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.close().catch(() => undefined);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toContain("2026-07-28");
    const control = await server.control();
    expect(control.requests["initialize"]).toBe(1);
    expect(control.requests["notifications/initialized"]).toBeUndefined();
  });

  it("a v2 client in legacy mode is refused the same way", async () => {
    const error = await connectModernClient(server.url, { negotiation: "legacy" }).then(
      (c) => c.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(String(error)).toContain("2026-07-28");
  });
});
