// Where a 2025-era session's calls are answered: a plain tools/call (and a list) in the Worker, over
// the upstream session the session object opened (no hop to the object); a call whose
// upstream answers with an event stream, or that asks for progress, by the session
// object; a call whose upstream forgot the session, by the object, which re-opens it once.
// The session object's methods are watched to tell the paths apart; what the client sees
// is the same on every path.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient, SseReader, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { McpSession } from "../../src/session/mcp-session.js";

const OTHER_KEY = "other-agent-key-0123456789";

describe("a 2025-era session's calls", () => {
  let tenant: FixtureTenant;
  let post: ReturnType<typeof vi.spyOn>;
  let adopt: ReturnType<typeof vi.spyOn>;
  let view: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    tenant = FixtureTenant.create("session-calls");
    await tenant.configure({ tools: ["echo", "ask", "long", "progress"] });
    await seedConfig({
      servers: { fx: { url: tenant.url } },
      agents: { other: { allow: { servers: ["*"] } } },
      apiKeys: { [OTHER_KEY]: { agent: "other" } },
    });
    post = vi.spyOn(McpSession.prototype, "post");
    adopt = vi.spyOn(McpSession.prototype, "adopt");
    view = vi.spyOn(McpSession.prototype, "view");
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Requests (not notifications) the session object answered through post(). */
  const postedRequests = () =>
    post.mock.calls.flatMap((call: unknown[]) =>
      (call[2] as Array<{ kind: string }>).filter((m) => m.kind === "request"),
    );

  it("answers a plain tools/call in the Worker, without the session object", async () => {
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "one" })).toBe("one");
    expect(await client.callText("fx__echo", { text: "two" })).toBe("two");

    expect(postedRequests()).toEqual([]);
    expect(adopt).not.toHaveBeenCalled();
    // The session object was asked once for the upstream sessions to borrow.
    expect(view).toHaveBeenCalledTimes(1);
    // Both calls went out on the upstream session the session object opened at initialize.
    const stats = await tenant.stats();
    expect(stats.initialize).toBe(1);
    const calls = stats.requests.filter((r) => r.tool === "echo");
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.sessionId)).size).toBe(1);
  });

  it("answers the merged lists in the Worker too, fetching them on the borrowed session when not cached", async () => {
    const client = await GatewayClient.connect();
    expect((await client.toolNames()).sort()).toEqual(["fx__ask", "fx__echo", "fx__long", "fx__progress"]);
    expect(await client.toolNames()).toHaveLength(4);
    expect(postedRequests()).toEqual([]);
    const lists = (await tenant.stats()).requests.filter((r) => r.method === "tools/list");
    expect(lists.length).toBeGreaterThan(0);
    expect(new Set(lists.map((r) => r.sessionId)).size).toBe(1);
  });

  it("hands a call whose upstream answers with an event stream to the session object, which relays its question", async () => {
    const client = await GatewayClient.open({ capabilities: { elicitation: {} } });
    const id = client.takeId();
    const response = await client.post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "fx__ask" } });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = new SseReader(response);
    const ask = await reader.nextMessage();
    expect(ask).toMatchObject({ method: "elicitation/create" });
    const answer = await client.post({
      jsonrpc: "2.0",
      id: (ask as RpcMessage).id,
      result: { action: "accept", content: { name: "Ada" } },
    });
    expect(answer.status).toBe(202);
    expect(await reader.rest()).toEqual([
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "accept:Ada" }] } },
    ]);

    expect(adopt).toHaveBeenCalledTimes(1);
    expect(postedRequests()).toEqual([]);
    // Sent once, by the Worker: the session object read the rest of the same answer.
    expect((await tenant.stats()).requests.filter((r) => r.tool === "ask")).toHaveLength(1);
  });

  it("leaves a call with a progress token to the session object", async () => {
    const client = await GatewayClient.connect();
    const { messages } = await client.exchange("tools/call", {
      name: "fx__progress",
      arguments: { steps: 2 },
      _meta: { progressToken: "p" },
    });
    expect(messages.map((m) => m.method ?? "answer")).toEqual([
      "notifications/progress",
      "notifications/progress",
      "answer",
    ]);
    expect(postedRequests()).toHaveLength(1);
    expect(adopt).not.toHaveBeenCalled();
  });

  it("lets the session object re-open a session the upstream forgot, trying the forgotten one only once", async () => {
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "one" })).toBe("one");
    await tenant.configure({ forgetSessions: true });
    expect(await client.callText("fx__echo", { text: "two" })).toBe("two");
    expect(await client.callText("fx__echo", { text: "three" })).toBe("three");

    // The Worker met the 404 and passed the call on, naming the forgotten session.
    expect(postedRequests()).toHaveLength(1);
    const fallback = post.mock.calls[post.mock.calls.length - 1]![7] as { counted: boolean; forgotten?: unknown };
    expect(fallback).toMatchObject({ counted: true, forgotten: { server: "fx" } });
    const stats = await tenant.stats();
    expect(stats.initialize).toBe(2);
    const calls = stats.requests.filter((r) => r.tool === "echo");
    expect(calls).toHaveLength(4);
    // The third call borrowed the new session again.
    expect(calls[3]!.sessionId).toBe(calls[2]!.sessionId);
    expect(calls[3]!.sessionId).not.toBe(calls[0]!.sessionId);
  });

  it("cancels a call in flight in the Worker, and tells the upstream", async () => {
    const client = await GatewayClient.connect();
    const id = client.takeId();
    const pending = client.post(
      { jsonrpc: "2.0", id, method: "tools/call", params: { name: "fx__long", arguments: { ms: 20_000 } } },
      { accept: "application/json" },
    );
    await expect.poll(async () => (await tenant.stats()).requests.some((r) => r.tool === "long")).toBe(true);
    const cancel = await client.post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id } });
    expect(cancel.status).toBe(202);
    const response = await pending;
    // A JSON-only client gets nothing for a request it cancelled.
    expect(response.status).toBe(202);
    await expect.poll(async () => (await tenant.stats()).cancelled).toHaveLength(1);
    const call = (await tenant.stats()).requests.find((r) => r.tool === "long")!;
    expect((await tenant.stats()).cancelled).toEqual([call.id]);
    expect(postedRequests()).toEqual([]);
  });

  it("refuses a session ended by DELETE at once, though its upstream sessions were borrowed a moment ago", async () => {
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "one" })).toBe("one");
    expect((await client.end()).status).toBe(204);
    const after = await client.post({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "fx__echo" } });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { data: { code: "SESSION_NOT_FOUND" } } });
  });

  it("never lends a session's upstream sessions to another agent presenting its id", async () => {
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "mine" })).toBe("mine");
    const thief = client.as({ key: OTHER_KEY });
    const stolen = await thief.post({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "fx__echo" } });
    expect(stolen.status).toBe(404);
    expect((await tenant.stats()).requests.filter((r) => r.tool === "echo")).toHaveLength(1);
  });
});
