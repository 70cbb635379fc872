// Upstream faults as a client sees them: each named for what happened upstream (timeout,
// unavailable, misbehaved), never blamed on the client, and never taking the healthy
// upstreams down with them. Upstream JSON-RPC errors are relayed unchanged.
import { inject, beforeEach, describe, expect, it } from "vitest";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { DEFAULT_TOOL_COUNT, FixtureTenant } from "./support/fixture.js";

const TIMEOUT = -32011;
const SERVER_UNAVAILABLE = -32010;
const UPSTREAM_ERROR = -32012;

describe("upstream faults", () => {
  let healthy: FixtureTenant;
  let faulty: FixtureTenant;

  beforeEach(async () => {
    healthy = FixtureTenant.create("healthy");
    faulty = FixtureTenant.create("faulty");
  });

  async function connectWith(faultyRegistration: Record<string, unknown>): Promise<GatewayClient> {
    await seedConfig({ servers: { healthy: { url: healthy.url }, faulty: faultyRegistration } });
    return GatewayClient.connect();
  }

  const healthyTools = (names: string[]) => names.filter((n) => n.startsWith("healthy__"));

  describe("an upstream that never answers", () => {
    it("times out after its timeoutMs, and the other upstream's tools are still listed and callable", async () => {
      await faulty.configure({ fault: { kind: "hang" } });
      const client = await connectWith({ url: faulty.url, timeoutMs: 300 });

      const names = await client.toolNames();
      expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
      expect(healthyTools(names)).toHaveLength(DEFAULT_TOOL_COUNT);
      expect(await client.callText("healthy__echo", { text: "fine" })).toBe("fine");

      const response = await client.call("faulty__echo", { text: "lost" });
      expect(response.error).toMatchObject({
        code: TIMEOUT,
        data: { code: "TIMEOUT", server: "faulty", timeoutMs: 300 },
      });
    });

    // Where a call must succeed after a timeout, the timeout is generous: only the
    // outcome is asserted, never how long anything took.
    it("times out one hanging call and goes on serving the same session", async () => {
      const client = await connectWith({ url: faulty.url, timeoutMs: 1500 });
      const response = await client.call("faulty__hang");
      expect(response.error).toMatchObject({ code: TIMEOUT, data: { code: "TIMEOUT", server: "faulty" } });
      expect(await client.callText("faulty__echo", { text: "after the hang" })).toBe("after the hang");
    });

    it("times out an event stream that opens at once and then stays silent", async () => {
      await faulty.configure({ tools: ["echo", "sse_hang"] });
      const client = await connectWith({ url: faulty.url, timeoutMs: 300 });
      const response = await client.call("faulty__sse_hang");
      expect(response.error).toMatchObject({ code: TIMEOUT, data: { code: "TIMEOUT", server: "faulty" } });
    });

    it("answers a slow call that finishes within the timeout, and times out one that does not", async () => {
      const client = await connectWith({ url: faulty.url, timeoutMs: 1500 });
      expect(await client.callText("faulty__slow", { ms: 20 })).toMatch(/\/slow$/);
      const tooSlow = await client.call("faulty__slow", { ms: 6000 });
      expect(tooSlow.error?.data?.code).toBe("TIMEOUT");
    });
  });

  it("reports SERVER_UNAVAILABLE when the connection is refused, and lists the other upstream", async () => {
    const client = await connectWith({ url: `${inject("refusedOrigin")}/gone/mcp` });
    expect(healthyTools(await client.toolNames())).toHaveLength(DEFAULT_TOOL_COUNT);
    const response = await client.call("faulty__echo", { text: "x" });
    expect(response.error).toMatchObject({
      code: SERVER_UNAVAILABLE,
      data: { code: "SERVER_UNAVAILABLE", server: "faulty" },
    });
  });

  it("reports SERVER_UNAVAILABLE when the upstream answers 503 to everything", async () => {
    await faulty.configure({ fault: { kind: "http503" } });
    const client = await connectWith({ url: faulty.url });
    expect(healthyTools(await client.toolNames())).toHaveLength(DEFAULT_TOOL_COUNT);
    const response = await client.call("faulty__echo");
    expect(response.error).toMatchObject({ code: SERVER_UNAVAILABLE, data: { server: "faulty" } });
  });

  it("reports UPSTREAM_ERROR when the upstream fails initialize with HTTP 500", async () => {
    await faulty.configure({ fault: { kind: "http500", methods: ["initialize"] } });
    const client = await connectWith({ url: faulty.url });
    expect(await client.toolNames()).toEqual(healthyTools(await client.toolNames()));
    const response = await client.call("faulty__echo");
    expect(response.error).toMatchObject({ code: UPSTREAM_ERROR, data: { code: "UPSTREAM_ERROR", server: "faulty" } });
  });

  it("reports UPSTREAM_ERROR for a call answered with HTTP 500", async () => {
    const client = await connectWith({ url: faulty.url });
    const response = await client.call("faulty__http500");
    expect(response.error).toMatchObject({ code: UPSTREAM_ERROR, data: { code: "UPSTREAM_ERROR", server: "faulty" } });
    expect(response.error?.message).toContain("500");
  });

  it("reports UPSTREAM_ERROR for a call answered with a body that is not JSON", async () => {
    const client = await connectWith({ url: faulty.url });
    const response = await client.call("faulty__garbage");
    expect(response.error).toMatchObject({ code: UPSTREAM_ERROR, data: { code: "UPSTREAM_ERROR", server: "faulty" } });
  });

  it("reports UPSTREAM_ERROR when the upstream closes its event stream before answering", async () => {
    const client = await connectWith({ url: faulty.url });
    const response = await client.call("faulty__sse_close");
    expect(response.error).toMatchObject({ code: UPSTREAM_ERROR, data: { code: "UPSTREAM_ERROR", server: "faulty" } });
    expect(response.error?.message).toMatch(/closed its event stream/);
  });

  it("keeps listing the healthy upstream while the other one answers its lists with garbage", async () => {
    await faulty.configure({ fault: { kind: "garbage", methods: ["tools/list"] } });
    const client = await connectWith({ url: faulty.url });
    expect(await client.toolNames()).toEqual(healthyTools(await client.toolNames()));
    expect(await client.toolNames()).toHaveLength(DEFAULT_TOOL_COUNT);
  });

  it("relays an upstream's JSON-RPC error unchanged", async () => {
    const client = await connectWith({ url: faulty.url });
    const response = await client.call("faulty__fail");
    expect(response.error).toEqual({
      code: -32050,
      message: "MCP error -32050: the tool failed on purpose",
      data: { reason: "test" },
    });
  });

  it("relays the upstream's own refusal of a tool it no longer has", async () => {
    const client = await connectWith({ url: faulty.url });
    expect(await client.toolNames()).toContain("faulty__paged_8");
    await faulty.configure({ tools: ["echo"] });
    const response = await client.call("faulty__paged_8");
    expect(response.error).toMatchObject({ code: -32602, message: expect.stringContaining("Unknown tool: paged_8") });
  });

  // The fixture's `notify` sends two info log messages on the request's stream. A legacy
  // client that set no level gets every log message, so they reach it ahead of the answer.
  it("relays the log messages an upstream sends on the stream before its answer, then the answer", async () => {
    await faulty.configure({ tools: ["echo", "notify"] });
    const client = await connectWith({ url: faulty.url });
    const { id, contentType, messages } = await client.exchange("tools/call", { name: "faulty__notify" });
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(messages).toEqual([
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "working" } },
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "done" } },
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `${faulty.name}/notify` }] } },
    ]);
  });

  it("answers in JSON, without those messages, a client that accepts only JSON", async () => {
    await faulty.configure({ tools: ["echo", "notify"] });
    const client = await connectWith({ url: faulty.url });
    const { id, contentType, messages } = await client.exchange(
      "tools/call",
      { name: "faulty__notify" },
      { accept: "application/json" },
    );
    expect(contentType).toMatch(/^application\/json/);
    expect(messages).toEqual([
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `${faulty.name}/notify` }] } },
    ]);
  });

  it("skips what an upstream sends before its answer that the client did not ask for", async () => {
    // Progress for a token the client never gave: dropped, so the answer stays plain JSON.
    await faulty.configure({ tools: ["echo", "stray_progress"] });
    const client = await connectWith({ url: faulty.url });
    const { id, contentType, messages } = await client.exchange("tools/call", { name: "faulty__stray_progress" });
    expect(contentType).toMatch(/^application\/json/);
    expect(messages).toEqual([
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `${faulty.name}/stray_progress` }] } },
    ]);
  });

  it("answers JSON-answering upstreams as well as event-stream ones", async () => {
    await faulty.configure({ jsonResponse: true });
    const client = await connectWith({ url: faulty.url });
    expect(await client.toolNames()).toHaveLength(2 * DEFAULT_TOOL_COUNT);
    expect(await client.callText("faulty__echo", { text: "json" })).toBe("json");
    expect((await client.call("faulty__fail")).error?.code).toBe(-32050);
  });
});
