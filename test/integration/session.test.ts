// A client session from initialize to its end: listing and calling through it, its event
// stream, ending it by DELETE or by idling, and surviving the eviction of its Durable
// Object with its upstream sessions intact.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, gatewayFetch, SseReader } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { DEFAULT_TOOL_COUNT, FixtureTenant, isEraProbe } from "./support/fixture.js";
import type { SessionRecord } from "../../src/session/mcp-session.js";

const SESSION_KEY = "session";

describe("a client session", () => {
  let tenant: FixtureTenant;

  beforeEach(async () => {
    tenant = FixtureTenant.create("session");
    await seedConfig({ servers: { fx: { url: tenant.url } } });
  });

  it("lists and calls tools, then ends on DELETE and is gone afterwards", async () => {
    const client = await GatewayClient.connect();
    const names = await client.toolNames();
    expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
    expect(names).toContain("fx__echo");
    expect(await client.callText("fx__echo", { text: "hello through the gateway" })).toBe("hello through the gateway");

    const ended = await client.end();
    expect(ended.status).toBe(204);

    const after = await client.post({ jsonrpc: "2.0", id: 9, method: "tools/list" });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { data: { code: "SESSION_NOT_FOUND" } } });
    expect((await client.end()).status).toBe(404);
    const stream = await gatewayFetch("/mcp", { headers: { ...client.headers, accept: "text/event-stream" } });
    expect(stream.status).toBe(404);
  });

  it("ends its upstream session too when the client ends it", async () => {
    const client = await GatewayClient.connect();
    await client.callText("fx__echo", { text: "x" });
    const upstreamSession = (await tenant.stats()).requests.find((r) => r.tool === "echo")?.sessionId;
    expect(upstreamSession).toBeTruthy();

    await client.end();
    await expect.poll(async () => (await tenant.stats()).deleted).toBe(1);
    const deletes = (await tenant.stats()).requests.filter((r) => r.httpMethod === "DELETE");
    expect(deletes.map((r) => r.sessionId)).toEqual([upstreamSession]);
  });

  it("keeps two sessions apart: ending one leaves the other working", async () => {
    const first = await GatewayClient.connect();
    const second = await GatewayClient.connect();
    expect(first.sessionId).not.toBe(second.sessionId);
    await first.end();
    expect(await second.callText("fx__echo", { text: "still here" })).toBe("still here");
  });

  it("opens an event stream on GET that starts with a priming event: an event id and empty data", async () => {
    const client = await GatewayClient.connect();
    const response = await gatewayFetch("/mcp", { headers: { ...client.headers, accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = new SseReader(response);
    const priming = await reader.next();
    // The very first bytes: `id: <stream>-<seq>`, then `data: ` with nothing, then the blank line.
    expect(reader.raw).toMatch(/^id: \d+-\d+\ndata: \n\n/);
    expect(priming).toEqual({ id: expect.stringMatching(/^\d+-\d+$/), data: "", comments: [] });
    await reader.cancel();
    expect((await client.end()).status).toBe(204);
  });

  it("closes its open event streams when the session ends", async () => {
    const client = await GatewayClient.connect();
    const response = await gatewayFetch("/mcp", { headers: { ...client.headers, accept: "text/event-stream" } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read();
    expect((await client.end()).status).toBe(204);
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it("answers initialize without waiting for an upstream slow to initialize, and uses it once it is ready", async () => {
    await tenant.configure({ fault: { kind: "slow", methods: ["initialize"], delayMs: 4500 } });
    const client = await GatewayClient.connect();
    // Nothing was known of the slow upstream when the gateway answered: tools only, as always
    // with their list changes relayed.
    expect(client.initializeResult["capabilities"]).toEqual({ tools: { listChanged: true } });

    expect(await client.toolNames()).toHaveLength(DEFAULT_TOOL_COUNT);
    expect((await tenant.stats()).initialize).toBe(1);
  });

  it("passes logging/setLevel on to upstreams that log", async () => {
    const client = await GatewayClient.connect();
    expect(await client.result("logging/setLevel", { level: "debug" })).toEqual({});
    const calls = (await tenant.stats()).requests.filter((r) => r.method === "logging/setLevel");
    expect(calls).toHaveLength(1);
  });

  describe("idle expiry", () => {
    it("ends a session idle for longer than settings.sessionTtlSeconds when its alarm fires", async () => {
      const client = await GatewayClient.connect();
      await client.callText("fx__echo", { text: "x" });
      const ttl = await runInDurableObject(client.stub, async (_instance, state) => {
        const record = (await state.storage.get<SessionRecord>(SESSION_KEY))!;
        await state.storage.put(SESSION_KEY, { ...record, lastActiveAt: record.lastActiveAt - 2 * 3600_000 });
        return record.ttlSeconds;
      });
      expect(ttl).toBe(3600);
      // The object holds its record in memory; a fresh instance reads the aged one back.
      await evictDurableObject(client.stub);

      expect(await runDurableObjectAlarm(client.stub)).toBe(true);

      const after = await client.post({ jsonrpc: "2.0", id: 1, method: "ping" });
      expect(after.status).toBe(404);
      const stored = await runInDurableObject(client.stub, (_instance, state) => state.storage.list());
      expect(stored.size).toBe(0);
      await expect.poll(async () => (await tenant.stats()).deleted).toBe(1);
    });

    it("keeps an active session when its alarm fires, and sets the alarm again", async () => {
      await seedConfig({ servers: { fx: { url: tenant.url } }, settings: { sessionTtlSeconds: 60 } });
      const client = await GatewayClient.connect();
      const alarm = await runInDurableObject(client.stub, (_instance, state) => state.storage.getAlarm());
      expect(alarm).not.toBeNull();

      expect(await runDurableObjectAlarm(client.stub)).toBe(true);

      expect(await client.result("ping")).toEqual({});
      const next = await runInDurableObject(client.stub, (_instance, state) => state.storage.getAlarm());
      expect(next).not.toBeNull();
    });
  });

  describe("Durable Object eviction", () => {
    it("goes on after eviction with the same upstream session, without initializing it again", async () => {
      const client = await GatewayClient.connect();
      expect(await client.callText("fx__echo", { text: "before" })).toBe("before");
      const before = await tenant.stats();
      expect(before.initialize).toBe(1);

      await evictDurableObject(client.stub);

      expect(await client.callText("fx__echo", { text: "after" })).toBe("after");
      expect(await client.toolNames()).toHaveLength(DEFAULT_TOOL_COUNT);
      const after = await tenant.stats();
      expect(after.initialize).toBe(1);
      // Nor probed again: the era is remembered per isolate, not per object.
      expect(after.requests.filter((r) => r.method === "server/discover")).toHaveLength(1);
      const sessionIds = new Set(
        after.requests.filter((r) => r.method !== "initialize" && !isEraProbe(r)).map((r) => r.sessionId),
      );
      expect(sessionIds.size).toBe(1);
      expect([...sessionIds][0]).toBeTruthy();
    });

    it("remembers the negotiated protocol version after eviction", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      await evictDurableObject(client.stub);
      const batch = await client.post([
        { jsonrpc: "2.0", id: 1, method: "ping" },
        { jsonrpc: "2.0", id: 2, method: "ping" },
      ]);
      expect(batch.status).toBe(200);
      expect(await batch.json()).toHaveLength(2);
    });
  });

  describe("upstream sessions", () => {
    it("re-initializes once, transparently, when the upstream forgets its session", async () => {
      const client = await GatewayClient.connect();
      expect(await client.callText("fx__echo", { text: "one" })).toBe("one");
      await tenant.configure({ forgetSessions: true });

      expect(await client.callText("fx__echo", { text: "two" })).toBe("two");

      const stats = await tenant.stats();
      expect(stats.initialize).toBe(2);
      const calls = stats.requests.filter((r) => r.tool === "echo");
      // The call after the restart met a 404 once, then went through on the new session.
      expect(calls).toHaveLength(3);
      expect(calls[1]!.sessionId).toBe(calls[0]!.sessionId);
      expect(calls[2]!.sessionId).not.toBe(calls[0]!.sessionId);
    });

    it("re-initializes too when the upstream refuses a forgotten session with 400, as SDK examples do", async () => {
      await tenant.configure({ unknownSessionStatus: 400 });
      const client = await GatewayClient.connect();
      expect(await client.callText("fx__echo", { text: "one" })).toBe("one");
      await tenant.configure({ forgetSessions: true });

      expect(await client.callText("fx__echo", { text: "two" })).toBe("two");
      expect((await tenant.stats()).initialize).toBe(2);
    });

    it("keeps using the new upstream session after re-initializing, even across eviction", async () => {
      const client = await GatewayClient.connect();
      await client.callText("fx__echo", { text: "one" });
      await tenant.configure({ forgetSessions: true });
      await client.callText("fx__echo", { text: "two" });
      await evictDurableObject(client.stub);

      expect(await client.callText("fx__echo", { text: "three" })).toBe("three");
      expect((await tenant.stats()).initialize).toBe(2);
    });

    it("speaks to the upstream as a well-behaved client: initialized, then session id and version on every request", async () => {
      const client = await GatewayClient.connect();
      await client.callText("fx__echo", { text: "x" });
      const [probe, initialize, ...rest] = (await tenant.stats()).requests;
      // First the era probe: one session-less server/discover in the 2026-07-28 envelope,
      // which this legacy upstream refuses; then the 2025 handshake as before.
      expect(probe).toMatchObject({ httpMethod: "POST", method: "server/discover", sessionId: null });
      expect(probe!.headers["mcp-protocol-version"]).toBe("2026-07-28");
      expect(probe!.headers["mcp-method"]).toBe("server/discover");
      expect(probe!.params).toEqual({
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "mcp-edge-gateway", version: expect.any(String) },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      });
      expect(initialize).toMatchObject({ method: "initialize", sessionId: null });
      expect(initialize!.params).not.toHaveProperty("_meta");
      expect(rest[0]).toMatchObject({ method: "notifications/initialized" });
      for (const request of rest) {
        expect(request.sessionId).toBeTruthy();
        expect(request.headers["mcp-protocol-version"]).toBe("2025-11-25");
        expect(request.headers["accept"]).toContain("text/event-stream");
      }
    });

    it("re-initializes only once when several requests find the upstream session gone together", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      await tenant.configure({ forgetSessions: true });
      const batch = await client.post(
        [1, 2, 3].map((id) => ({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "fx__echo", arguments: { text: `call ${id}` } },
        })),
      );
      expect(batch.status).toBe(200);
      const answers = await batch.json<Array<{ id: number; result?: { content: Array<{ text: string }> } }>>();
      expect(answers.map((a) => a.result?.content[0]?.text).sort()).toEqual(["call 1", "call 2", "call 3"]);
      expect((await tenant.stats()).initialize).toBe(2);
    });

    it("answers a batch wider than the fetch limit, never with more than six upstream requests at once", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      const batch = await client.post(
        Array.from({ length: 10 }, (_, i) => ({
          jsonrpc: "2.0",
          id: i + 1,
          method: "tools/call",
          params: { name: "fx__slow", arguments: { ms: 300 } },
        })),
      );
      expect(batch.status).toBe(200);
      const answers = await batch.json<Array<{ result?: unknown; error?: unknown }>>();
      expect(answers).toHaveLength(10);
      expect(answers.every((a) => a.result !== undefined)).toBe(true);
      const stats = await tenant.stats();
      expect(stats.maxInFlight).toBeLessThanOrEqual(6);
      expect(stats.maxInFlight).toBeGreaterThan(1);
    });

    it("opens one upstream session per client session", async () => {
      const first = await GatewayClient.connect();
      const second = await GatewayClient.connect();
      await first.callText("fx__echo", { text: "a" });
      await second.callText("fx__echo", { text: "b" });
      const stats = await tenant.stats();
      expect(stats.initialize).toBe(2);
      const echoSessions = new Set(stats.requests.filter((r) => r.tool === "echo").map((r) => r.sessionId));
      expect(echoSessions.size).toBe(2);
    });
  });
});
