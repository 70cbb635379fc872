// All four pairings of protocol eras through one gateway: the v1 SDK client (2025-era,
// sessionful) and the v2 SDK client pinned to 2026-07-28 (stateless), each against
// server-everything (a legacy upstream, registered as `everything`) and the modern fixture
// (a 2026-07-28-only upstream, registered as `modern`). For each pairing: list, call,
// progress, cancellation, list_changed delivery, an elicitation or sampling round trip, and
// an upstream restart in the middle. server-everything sits behind a recording proxy, so the
// tests see what reached it; the modern fixture counts what reached it itself (/control).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import {
  allStarted,
  DEFAULT_KEY,
  startEverything,
  startGateway,
  Teardown,
  textOf,
  type Gateway,
  type Upstream,
  eventually,
  DELIVERY_MS,
} from "./harness.js";
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
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";

const HEADER_MISMATCH = -32020;
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

const teardown = new Teardown();
let gateway: Gateway;
let everything: Upstream;
let proxy: RecordingProxy;
let modern: ModernServer;
let legacy: LegacyConnected;
let current: ModernConnected;

/** A tiny text file as a data: URI, for server-everything's gzip-file-as-resource. */
const DATA_URI = `data:text/plain;base64,${Buffer.from("hello from the eras test").toString("base64")}`;

beforeAll(async () => {
  let started: Gateway;
  [everything, modern, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startModernServer(), (server) => server.stop()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  proxy = await teardown.adopt(startRecordingProxy(everything.url), (p) => p.stop());
  await gateway.configure({ servers: { everything: { url: proxy.url }, modern: { url: modern.url } } });
  [legacy, current] = await allStarted([
    teardown.adopt(connectLegacy(), (c) => c.client.close()),
    teardown.adopt(
      connectModernClient(gateway.endpoint, {
        apiKey: DEFAULT_KEY,
        negotiation: "modern",
        onElicit: (params) => ({ action: "accept", content: elicitAnswer(params, "v2") }),
        onSample: (params) => ({
          model: "e2e-model",
          role: "assistant",
          content: { type: "text", text: `v2 sampled: ${lastText(params.messages)}` },
        }),
      }),
      (c) => c.close(),
    ),
  ]);
});

afterAll(() => teardown.run());

// ---------------------------------------------------------------------------------------
// The v1 (2025-era) client, with elicitation and sampling handlers and a record of what
// reached it unasked (list changes on its GET stream).

interface Received {
  method: string;
  params?: Record<string, unknown>;
}

interface LegacyConnected {
  client: LegacyClient;
  notifications: Received[];
  /** The questions it was asked, in order. */
  asked: Received[];
}

async function connectLegacy(): Promise<LegacyConnected> {
  const client = new LegacyClient(
    { name: "e2e-v1-client", version: "1.0.0" },
    { capabilities: { elicitation: {}, sampling: {} } },
  );
  const connected: LegacyConnected = { client, notifications: [], asked: [] };
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    connected.asked.push({ method: request.method, params: request.params });
    return { action: "accept", content: elicitAnswer(request.params, "v1") };
  });
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    connected.asked.push({ method: request.method, params: request.params });
    return {
      model: "e2e-model",
      role: "assistant",
      content: { type: "text", text: `v1 sampled: ${lastText(request.params.messages)}` },
    };
  });
  for (const schema of [
    ToolListChangedNotificationSchema,
    PromptListChangedNotificationSchema,
    ResourceListChangedNotificationSchema,
  ]) {
    client.setNotificationHandler(schema, (notification) => {
      connected.notifications.push({ method: notification.method, params: notification.params });
    });
  }
  const transport = new LegacyTransport(gateway.endpoint, {
    requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } },
  });
  await client.connect(transport);
  return connected;
}

/** The form either upstream asks for: server-everything wants a name, the fixture a confirmation. */
function elicitAnswer(params: unknown, who: string): Record<string, string | boolean> {
  const properties = (params as { requestedSchema?: { properties?: Record<string, unknown> } }).requestedSchema
    ?.properties;
  if (properties && "confirmed" in properties) return { confirmed: true, note: `from ${who}` };
  return { name: `Ada via ${who}` };
}

function lastText(messages: ReadonlyArray<{ content: unknown }>): string {
  const content = messages.at(-1)?.content;
  const parts: unknown[] = Array.isArray(content) ? content : [content];
  return parts
    .map((part) => (part as { type?: string; text?: string }).text ?? "")
    .join("")
    .trim();
}

// ---------------------------------------------------------------------------------------
// Waiting, bounded

/** One argument of a proxied tools/call. */
function argument(message: { params?: Record<string, unknown> }, name: string): unknown {
  return (message.params?.["arguments"] as Record<string, unknown> | undefined)?.[name];
}

/** The v1 client's tools/call with progress or cancellation options. */
function legacyCall(
  name: string,
  args: Record<string, unknown>,
  options: { onprogress?: (p: { progress: number; total?: number }) => void; signal?: AbortSignal } = {},
) {
  return legacy.client.callTool({ name, arguments: args }, undefined, { ...options, timeout: 60_000 });
}

/** Kills server-everything and starts a fresh one (no sessions) behind the same proxy address. */
async function restartEverything(): Promise<void> {
  await everything.kill();
  everything = await teardown.adopt(startEverything(), (upstream) => upstream.kill());
  proxy.retarget(everything.url);
}

/** Stops the modern fixture and starts it again on the same port (its counters start from zero). */
async function restartModern(): Promise<void> {
  const port = modern.port;
  await modern.stop();
  modern = await teardown.adopt(startModernServer(port), (server) => server.stop());
}

/** GETs that reached server-everything and were answered with a stream: an upstream listener is open. */
function openUpstreamStreams(): number {
  return proxy.exchanges.filter((e) => e.httpMethod === "GET" && e.status === 200).length;
}

// ---------------------------------------------------------------------------------------

describe("v1 (legacy) client × server-everything (legacy upstream)", () => {
  it("lists server-everything's tools under the everything__ prefix", async () => {
    const names = (await legacy.client.listTools()).tools.map((t) => t.name);
    for (const tool of ["echo", "get-sum", "trigger-long-running-operation", "gzip-file-as-resource"]) {
      expect(names).toContain(`everything__${tool}`);
    }
    // Offered because the v1 client declared elicitation, and the gateway declared it upstream for it.
    expect(names).toContain("everything__trigger-elicitation-request");
    expect(names.filter((n) => !n.startsWith("everything__") && !n.startsWith("modern__"))).toEqual([]);
  });

  it("calls echo", async () => {
    expect(textOf(await legacyCall("everything__echo", { message: "v1 to legacy" }))).toBe("Echo: v1 to legacy");
  });

  it("relays progress to the client's callback under its own token", async () => {
    const progress: number[] = [];
    const result = await legacyCall(
      "everything__trigger-long-running-operation",
      { duration: 0.3, steps: 3 },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress).toEqual([1, 2, 3]);
    // The upstream saw the gateway's own token, not the client's.
    const sent = proxy.sent("tools/call").at(-1)!;
    expect((sent.params?.["_meta"] as Record<string, unknown>)["progressToken"]).toMatch(/^gw-progress-/);
  });

  it("cancels a long call without hanging, and the connection keeps working", async () => {
    const controller = new AbortController();
    const call = legacyCall(
      "everything__trigger-long-running-operation",
      { duration: 30, steps: 3 },
      { signal: controller.signal },
    );
    await eventually("the long call reaching server-everything", () =>
      proxy.sent("tools/call").find((m) => argument(m, "duration") === 30),
    );
    controller.abort(new Error("cancelled by the test"));
    await expect(call).rejects.toThrow(/cancelled by the test/);
    expect(textOf(await legacyCall("everything__echo", { message: "still here" }))).toBe("Echo: still here");
  });

  it("tells server-everything about the cancellation with the gateway's request id", async () => {
    const controller = new AbortController();
    const call = legacyCall(
      "everything__trigger-long-running-operation",
      { duration: 31, steps: 3 },
      { signal: controller.signal },
    );
    const upstreamCall = await eventually("the long call reaching server-everything", () =>
      proxy.sent("tools/call").find((m) => argument(m, "duration") === 31),
    );
    controller.abort(new Error("cancelled by the test"));
    await expect(call).rejects.toThrow(/cancelled by the test/);
    await eventually("notifications/cancelled at server-everything", () =>
      proxy.sent("notifications/cancelled").find((m) => m.params?.["requestId"] === upstreamCall.id),
    );
  });

  it("delivers resources list_changed on the GET stream when a session resource appears", async () => {
    // The session's GET stream opened right after initialize; wait until the gateway's own
    // GET stream to server-everything is up, or the change could come before it listens.
    await eventually("the gateway listening to server-everything", () => openUpstreamStreams() || undefined);
    const before = legacy.notifications.length;
    const name = "eras-v1.txt";
    const result = await legacyCall("everything__gzip-file-as-resource", {
      name,
      data: DATA_URI,
      outputType: "resourceLink",
    });
    expect(JSON.stringify(result.content)).toContain(`demo://resource/session/${name}`);
    await eventually("notifications/resources/list_changed on the v1 client", () =>
      legacy.notifications.slice(before).find((n) => n.method === "notifications/resources/list_changed"),
    );
    const uris = (await legacy.client.listResources()).resources.map((r) => r.uri);
    expect(uris).toContain(`demo://resource/session/${name}`);
    // Only what changed is announced.
    expect(legacy.notifications.slice(before).map((n) => n.method)).not.toContain("notifications/tools/list_changed");
  });

  it("relays server-everything's elicitation to the client on the call's stream and the answer back", async () => {
    const asked = legacy.asked.length;
    const result = await legacyCall("everything__trigger-elicitation-request", {});
    expect(legacy.asked.slice(asked)).toEqual([
      expect.objectContaining({
        method: "elicitation/create",
        params: expect.objectContaining({ message: "Please provide inputs for the following fields:" }),
      }),
    ]);
    const text = textOf(result);
    expect(text).toContain("User provided the requested information");
    expect(text).toContain("- Name: Ada via v1");
  });

  it("survives a server-everything restart: the next call re-initializes the upstream session", async () => {
    const initializes = proxy.sent("initialize").length;
    await restartEverything();
    expect(textOf(await legacyCall("everything__echo", { message: "after restart" }))).toBe("Echo: after restart");
    const reinitialized = proxy.sent("initialize").slice(initializes);
    expect(reinitialized.length).toBeGreaterThanOrEqual(1);
    // Re-initialized with what the client can answer, so its conditional tools still work.
    expect(reinitialized.at(-1)?.params?.["capabilities"]).toMatchObject({ elicitation: {}, sampling: {} });
    expect(textOf(await legacyCall("everything__trigger-elicitation-request", {}))).toContain("- Name: Ada via v1");
  });
});

describe("v1 (legacy) client × modern fixture (current-era upstream)", () => {
  it("lists the fixture's tools under the modern__ prefix", async () => {
    const names = (await legacy.client.listTools()).tools.map((t) => t.name);
    for (const tool of ["echo", "add", "progress", "confirm", "sample", "slow", "grow", "log"]) {
      expect(names).toContain(`modern__${tool}`);
    }
  });

  it("calls add, statelessly upstream", async () => {
    const result = await legacyCall("modern__add", { a: 20, b: 22 });
    expect(textOf(result)).toBe("42");
    // What the current era adds to a result for its own hop (the upstream's serverInfo) is not relayed.
    expect(Object.keys(result._meta ?? {}).filter((key) => key.startsWith("io.modelcontextprotocol/"))).toEqual([]);
    const control = await modern.control();
    expect(control.requests["initialize"]).toBeUndefined();
    expect(control.lastHeaders["tools/call"]).toMatchObject({ "mcp-method": "tools/call", "mcp-name": "add" });
    expect(control.lastHeaders["tools/call"]).not.toHaveProperty("mcp-session-id");
  });

  it("relays progress to the client's callback under its own token", async () => {
    const progress: number[] = [];
    const result = await legacyCall(
      "modern__progress",
      { steps: 3, delayMs: 20 },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(textOf(result)).toBe("done 3");
    expect(progress).toEqual([1, 2, 3]);
    expect((await modern.control()).lastMeta["tools/call"]?.["progressToken"]).toMatch(/^gw-progress-/);
  });

  it("cancels slow: the fixture sees the cancellation, the connection keeps working", async () => {
    const before = await modern.control();
    const controller = new AbortController();
    const call = legacyCall("modern__slow", { ms: 20_000 }, { signal: controller.signal });
    await eventually("slow reaching the fixture", async () =>
      (await modern.control()).requests["tools/call"]! > (before.requests["tools/call"] ?? 0) ? true : undefined,
    );
    controller.abort(new Error("cancelled by the test"));
    await expect(call).rejects.toThrow(/cancelled by the test/);
    await eventually("the fixture counting the cancellation", async () =>
      (await modern.control()).cancellations > before.cancellations ? true : undefined,
    );
    expect((await modern.control()).slowCompleted).toBe(before.slowCompleted);
    expect(textOf(await legacyCall("modern__echo", { text: "still here" }))).toBe("echo: still here");
  });

  it("delivers tools list_changed on the GET stream after grow, and the new tool is listed and callable", async () => {
    // The gateway listens to the fixture with subscriptions/listen while the GET stream is open.
    await eventually("the gateway listening to the fixture", async () =>
      (await modern.control()).requests["subscriptions/listen"] ? true : undefined,
    );
    const before = legacy.notifications.length;
    expect(textOf(await legacyCall("modern__grow", { name: "sprout_v1" }))).toBe("grew sprout_v1");
    await eventually("notifications/tools/list_changed on the v1 client", () =>
      legacy.notifications.slice(before).find((n) => n.method === "notifications/tools/list_changed"),
    );
    const names = (await legacy.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("modern__sprout_v1");
    expect(textOf(await legacyCall("modern__sprout_v1", {}))).toBe("sprout_v1 grown");
  });

  it("asks the client on the call's stream for the fixture's input_required, and retries with the answer", async () => {
    const asked = legacy.asked.length;
    const result = await legacyCall("modern__confirm", { question: "Ship it?" });
    expect(textOf(result)).toBe('confirmed: {"confirmed":true,"note":"from v1"}');
    expect(legacy.asked.slice(asked)).toEqual([
      expect.objectContaining({
        method: "elicitation/create",
        params: expect.objectContaining({ message: "Ship it?" }),
      }),
    ]);
    const control = await modern.control();
    expect(control.lastParams["tools/call"]).toMatchObject({
      name: "confirm",
      inputResponses: { confirm: { action: "accept", content: { confirmed: true, note: "from v1" } } },
      requestState: expect.stringMatching(/^confirm:/),
    });
  });

  it("completes a sampling round trip the same way", async () => {
    const result = await legacyCall("modern__sample", { prompt: "say hi" });
    expect(textOf(result)).toBe("sampled: v1 sampled: say hi");
  });

  it("does not mind a fixture restart: the next call just works", async () => {
    await restartModern();
    expect(textOf(await legacyCall("modern__add", { a: 1, b: 2 }))).toBe("3");
    const control = await modern.control();
    expect(control.requests["tools/call"]).toBe(1);
    expect(control.requests["initialize"]).toBeUndefined();
  });
});

describe("v2 client in 2026-07-28 mode × modern fixture (current-era upstream)", () => {
  it("lists the fixture's tools under the modern__ prefix", async () => {
    const listed = await current.client.listTools(undefined, { cacheMode: "refresh" });
    const names = listed.tools.map((t) => t.name);
    for (const tool of ["echo", "add", "progress", "confirm", "sample", "slow", "grow", "log"]) {
      expect(names).toContain(`modern__${tool}`);
    }
  });

  it("calls add, with the gateway's envelope upstream", async () => {
    expect(textOf(await callTool(current, "modern__add", { a: 40, b: 2 }))).toBe("42");
    const control = await modern.control();
    expect(control.lastHeaders["tools/call"]).toMatchObject({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "add",
    });
    expect(control.lastMeta["tools/call"]).toMatchObject({
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} }, sampling: {} },
    });
  });

  it("relays progress to the client's callback", async () => {
    const { result, progress } = await callToolWithProgress(current, "modern__progress", { steps: 3, delayMs: 20 });
    expect(textOf(result)).toBe("done 3");
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect((await modern.control()).lastMeta["tools/call"]?.["progressToken"]).toMatch(/^gw-progress-/);
  });

  // A silent call is answered as a stream with a heartbeat after 1 s (src/http/reply.ts), so
  // the client going away is noticed by a failed write and the upstream exchange is aborted.
  it("cancels slow by closing the stream: the fixture counts the cancellation", async () => {
    const before = await modern.control();
    const error = await callToolAborted(current, "modern__slow", { ms: 8_000 }, 300);
    expect(String(error)).toMatch(/abort/i);
    expect(textOf(await callTool(current, "modern__echo", { text: "still here" }))).toBe("echo: still here");
    await eventually("the fixture counting the cancellation", async () =>
      (await modern.control()).cancellations > before.cancellations ? true : undefined,
    );
    expect((await modern.control()).slowCompleted).toBe(before.slowCompleted);
  });

  it("cancels a call that streams progress: the fixture sees its exchange dropped", async () => {
    const before = await modern.control();
    const controller = new AbortController();
    let steps = 0;
    const call = callTool(
      current,
      "modern__progress",
      { steps: 200, delayMs: 50 },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++steps === 2) controller.abort(new Error("cancelled by the test"));
        },
      },
    );
    await expect(call).rejects.toThrow(/cancelled by the test/);
    await eventually("the fixture seeing the exchange dropped", async () =>
      (await modern.control()).httpAborts > before.httpAborts ? true : undefined,
    );
    expect(textOf(await callTool(current, "modern__echo", { text: "still here" }))).toBe("echo: still here");
  });

  it("delivers tools list_changed on subscriptions/listen after grow; the tool is then listed and callable", async () => {
    const listens = (await modern.control()).requests["subscriptions/listen"] ?? 0;
    const changes = await listenForChanges(current, { toolsListChanged: true });
    try {
      expect(changes.honored).toMatchObject({ toolsListChanged: true });
      await eventually("the gateway listening to the fixture for this subscription", async () =>
        ((await modern.control()).requests["subscriptions/listen"] ?? 0) > listens ? true : undefined,
      );
      expect(textOf(await callTool(current, "modern__grow", { name: "sprout_v2" }))).toBe("grew sprout_v2");
      const change = await changes.next("notifications/tools/list_changed", DELIVERY_MS);
      expect(change.params?.["_meta"]).toMatchObject({ "io.modelcontextprotocol/subscriptionId": expect.anything() });
      const { tools } = await current.client.listTools(undefined, { cacheMode: "refresh" });
      expect(tools.map((t) => t.name)).toContain("modern__sprout_v2");
      expect(textOf(await callTool(current, "modern__sprout_v2"))).toBe("sprout_v2 grown");
    } finally {
      await changes.close();
    }
  });

  it("passes the fixture's input_required through; the client's retry completes the elicitation", async () => {
    const result = await callTool(current, "modern__confirm", { question: "Deploy?" });
    expect(textOf(result)).toBe('confirmed: {"confirmed":true,"note":"from v2"}');
    expect((await modern.control()).lastParams["tools/call"]).toMatchObject({
      name: "confirm",
      inputResponses: { confirm: { action: "accept", content: { confirmed: true, note: "from v2" } } },
      requestState: expect.stringMatching(/^confirm:/),
    });
  });

  it("does not mind a fixture restart: the next call just works", async () => {
    await restartModern();
    expect(textOf(await callTool(current, "modern__add", { a: 5, b: 6 }))).toBe("11");
    const control = await modern.control();
    expect(control.requests["tools/call"]).toBe(1);
    expect(control.requests["initialize"]).toBeUndefined();
  });
});

describe("v2 client in 2026-07-28 mode × server-everything (legacy upstream)", () => {
  it("negotiated 2026-07-28 with the gateway", () => {
    expect(current.era).toBe("modern");
    expect(current.protocolVersion).toBe("2026-07-28");
  });

  it("lists server-everything's tools under the everything__ prefix", async () => {
    const names = (await current.client.listTools(undefined, { cacheMode: "refresh" })).tools.map((t) => t.name);
    for (const tool of ["echo", "get-sum", "trigger-long-running-operation", "trigger-elicitation-request"]) {
      expect(names).toContain(`everything__${tool}`);
    }
    expect(names).toContain("everything__trigger-sampling-request");
  });

  it("calls echo and get-sum through one held upstream session", async () => {
    expect(textOf(await callTool(current, "everything__echo", { message: "v2 to legacy" }))).toBe("Echo: v2 to legacy");
    // The first call may have initialized the held session; the next reuses it.
    const initializes = proxy.sent("initialize").length;
    const sessions = new Set(
      proxy.exchanges.filter((e) => e.messages.some((m) => m.method === "tools/call")).map((e) => e.sessionId),
    );
    expect(textOf(await callTool(current, "everything__get-sum", { a: 2, b: 5 }))).toContain("is 7");
    expect(proxy.sent("initialize").length).toBe(initializes);
    const last = proxy.exchanges.filter((e) => e.messages.some((m) => m.method === "tools/call")).at(-1)!;
    expect(sessions).toContain(last.sessionId);
  });

  it("relays progress to the client's callback", async () => {
    const { result, progress } = await callToolWithProgress(current, "everything__trigger-long-running-operation", {
      duration: 0.3,
      steps: 3,
    });
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
  });

  it("cancels a long call without hanging, and later calls work", async () => {
    const error = await callToolAborted(
      current,
      "everything__trigger-long-running-operation",
      { duration: 30, steps: 3 },
      300,
    );
    expect(String(error)).toMatch(/abort/i);
    expect(textOf(await callTool(current, "everything__echo", { message: "still here" }))).toBe("Echo: still here");
  });

  it("tells server-everything about a cancelled call that streams progress, with the gateway's request id", async () => {
    const controller = new AbortController();
    let steps = 0;
    const call = callTool(
      current,
      "everything__trigger-long-running-operation",
      { duration: 20, steps: 40 },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++steps === 2) controller.abort(new Error("cancelled by the test"));
        },
      },
    );
    await expect(call).rejects.toThrow(/cancelled by the test/);
    const upstreamCall = proxy.sent("tools/call").find((m) => argument(m, "duration") === 20)!;
    expect(upstreamCall).toBeDefined();
    await eventually("notifications/cancelled at server-everything", () =>
      proxy.sent("notifications/cancelled").find((m) => m.params?.["requestId"] === upstreamCall.id),
    );
  });

  // The Worker notices the client went away (the heartbeat) and asks the HeldUpstreamSession
  // to cancel the call; the notification upstream is kept alive with the object's waitUntil,
  // since nothing else holds the object's invocation open once the call is cancelled.
  it("tells server-everything about a cancelled call that sends nothing until its answer", async () => {
    const controller = new AbortController();
    const call = callTool(
      current,
      "everything__trigger-long-running-operation",
      { duration: 8, steps: 2 },
      { signal: controller.signal },
    );
    const upstreamCall = await eventually("the long call reaching server-everything", () =>
      proxy.sent("tools/call").find((m) => argument(m, "duration") === 8),
    );
    controller.abort(new Error("cancelled by the test"));
    await expect(call).rejects.toThrow(/cancelled by the test/);
    await eventually("notifications/cancelled at server-everything", () =>
      proxy.sent("notifications/cancelled").find((m) => m.params?.["requestId"] === upstreamCall.id),
    );
  });

  it("delivers resources list_changed on subscriptions/listen when a session resource appears", async () => {
    // The held session's upstream session: the one its calls above went on. Its listener may
    // already be open (a session in use is heard), or open now for this subscription; either
    // way, the change must come while a GET stream on that session is open.
    const held = proxy.exchanges.filter((e) => e.messages.some((m) => m.method === "tools/call")).at(-1)!.sessionId;
    const changes = await listenForChanges(current, { resourcesListChanged: true });
    try {
      expect(changes.honored).toMatchObject({ resourcesListChanged: true });
      await eventually("the gateway listening to server-everything on the held session", () =>
        proxy.exchanges.find((e) => e.httpMethod === "GET" && e.status === 200 && e.open && e.sessionId === held),
      );
      const name = "eras-v2.txt";
      const result = await callTool(current, "everything__gzip-file-as-resource", {
        name,
        data: DATA_URI,
        outputType: "resourceLink",
      });
      expect(JSON.stringify(result.content)).toContain(`demo://resource/session/${name}`);
      await changes.next("notifications/resources/list_changed", DELIVERY_MS);
      const { resources } = await current.client.listResources(undefined, { cacheMode: "refresh" });
      expect(resources.map((r) => r.uri)).toContain(`demo://resource/session/${name}`);
    } finally {
      await changes.close();
    }
  });

  it("turns server-everything's elicitation into input_required; the client's retry completes it", async () => {
    const posts = current.wire.length;
    const result = await callTool(current, "everything__trigger-elicitation-request", {});
    const text = textOf(result);
    expect(text).toContain("User provided the requested information");
    expect(text).toContain("- Name: Ada via v2");
    const calls = current.wire.slice(posts).filter((w) => (w.body as { method?: string })?.method === "tools/call");
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body).toMatchObject({
      params: { requestState: expect.stringMatching(/^gw-held\./), inputResponses: expect.any(Object) },
    });
  });

  it("turns server-everything's sampling into input_required too", async () => {
    const result = await callTool(current, "everything__trigger-sampling-request", { prompt: "hello", maxTokens: 20 });
    expect(textOf(result)).toContain("v2 sampled: Resource trigger-sampling-request context: hello");
  });

  it("survives a server-everything restart: the held session re-initializes on the next call", async () => {
    const initializes = proxy.sent("initialize").length;
    await restartEverything();
    expect(textOf(await callTool(current, "everything__echo", { message: "after restart" }))).toBe(
      "Echo: after restart",
    );
    expect(proxy.sent("initialize").length).toBeGreaterThan(initializes);
    // And questions still work on the new session.
    expect(textOf(await callTool(current, "everything__trigger-elicitation-request", {}))).toContain(
      "- Name: Ada via v2",
    );
  });
});

describe("2026-07-28 requests the gateway refuses", () => {
  const envelope = (version: string) => ({
    "io.modelcontextprotocol/protocolVersion": version,
    "io.modelcontextprotocol/clientInfo": { name: "raw-fetch", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  });
  const post = (headers: Record<string, string>, body: unknown, url: URL | string = gateway.endpoint) =>
    fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${DEFAULT_KEY}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it("answers an Mcp-Method header that disagrees with the body with 400 and -32020", async () => {
    const calls = (await modern.control()).requests["tools/call"] ?? 0;
    const response = await post(
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list", "mcp-name": "modern__echo" },
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "modern__echo", arguments: { text: "x" }, _meta: envelope("2026-07-28") },
      },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(HEADER_MISMATCH);
    expect(body.error.message).toContain("Mcp-Method");
    expect((await modern.control()).requests["tools/call"] ?? 0).toBe(calls);
  });

  // The gateway answers these exactly as an SDK v2 server does for itself (the modern fixture,
  // asked directly): the revision removed them, ping included.
  it("answers the methods the revision removed, and unknown ones, with 404 and -32601 as an SDK v2 server does", async () => {
    for (const method of ["ping", "initialize", "logging/setLevel", "resources/subscribe", "tools/frobnicate"]) {
      const body = {
        jsonrpc: "2.0",
        id: 9,
        method,
        params: { level: "info", uri: "x://y", _meta: envelope("2026-07-28") },
      };
      const headers = { "mcp-protocol-version": "2026-07-28", "mcp-method": method };
      const answerOf = async (response: Response) => ({
        status: response.status,
        body: (await response.json()) as { id: unknown; error: { code: number } },
      });
      const fromServer = await answerOf(await post(headers, body, modern.url));
      const fromGateway = await answerOf(await post(headers, body));
      expect(fromServer.status, method).toBe(404);
      expect(fromGateway.status, method).toBe(fromServer.status);
      expect(fromGateway.body.id).toBe(9);
      expect(fromGateway.body.error.code, method).toBe(fromServer.body.error.code);
      expect(fromGateway.body.error.code).toBe(-32601);
    }
  });

  it("answers an unknown protocol version with 400 and -32022 listing the supported ones", async () => {
    const response = await post(
      { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" },
      { jsonrpc: "2.0", id: 8, method: "tools/list", params: { _meta: envelope("2099-01-01") } },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      id: unknown;
      error: { code: number; data: { requested: string; supported: string[] } };
    };
    expect(body.id).toBe(8);
    expect(body.error.code).toBe(UNSUPPORTED_PROTOCOL_VERSION);
    expect(body.error.data.requested).toBe("2099-01-01");
    expect(body.error.data.supported).toEqual(expect.arrayContaining(["2026-07-28", "2025-11-25", "2025-06-18"]));
  });
});
