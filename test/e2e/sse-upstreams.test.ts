// A legacy HTTP+SSE upstream (the 2024-11-05 transport): server-everything in its SSE mode,
// built on the SDK v1's SSEServerTransport, behind a recording proxy. Registered by its
// stream's URL like any server, it is found to take no Streamable HTTP POST and reached
// over its event stream, held by the session object (SDK v1 client) or the agent's held
// session (SDK v2 client in 2026-07-28 mode); lists, calls, progress, questions and
// cancellation work as for any legacy upstream.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
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
} from "./harness.js";
import { callTool, callToolWithProgress, connectModernClient, type ModernConnected } from "./modern-client.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";

const teardown = new Teardown();
let gateway: Gateway;
let everything: Upstream;
let proxy: RecordingProxy;
let legacy: LegacyClient;
let modern: ModernConnected;

beforeAll(async () => {
  let started: Gateway;
  [everything, started] = await allStarted([
    teardown.adopt(startEverything(undefined, "sse"), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  proxy = await teardown.adopt(startRecordingProxy(everything.url), (p) => p.stop());
  await gateway.configure({ servers: { old: { url: proxy.url.replace(/\/mcp$/, "/sse") } } });
  legacy = new LegacyClient({ name: "e2e-sse-v1", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  legacy.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { name: "Ada via v1" } }));
  await legacy.connect(
    new LegacyTransport(gateway.endpoint, { requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } } }),
  );
  teardown.adopt(Promise.resolve(legacy), (c) => c.close());
  modern = await teardown.adopt(
    connectModernClient(gateway.endpoint, {
      apiKey: DEFAULT_KEY,
      negotiation: "modern",
      onElicit: () => ({ action: "accept", content: { name: "Ada via v2" } }),
    }),
    (c) => c.close(),
  );
});

afterAll(() => teardown.run());

/** Kills the upstream and starts a fresh one (no sessions, no streams) at the same address. */
async function restartEverything(): Promise<void> {
  const port = everything.port;
  await everything.kill();
  everything = await teardown.adopt(startEverything(port, "sse"), (upstream) => upstream.kill());
}

describe("a legacy HTTP+SSE upstream, for an SDK v1 client", () => {
  it("lists its tools and answers calls over its event stream", async () => {
    const { tools } = await legacy.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["old__echo", "old__get-sum"]));
    expect(textOf(await legacy.callTool({ name: "old__echo", arguments: { message: "over sse" } }))).toBe(
      "Echo: over sse",
    );
    // Found on the event stream: a GET, then messages POSTed to the endpoint it named.
    expect(proxy.exchanges.some((e) => e.httpMethod === "GET" && e.status === 200)).toBe(true);
    expect(proxy.sent("tools/call").length).toBeGreaterThan(0);
  });

  it("relays progress under the client's own token", async () => {
    const progress: number[] = [];
    const result = await legacy.callTool(
      { name: "old__trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress).toEqual([1, 2, 3]);
  });

  it("relays the upstream's elicitation to the client and its answer back", async () => {
    const result = await legacy.callTool({ name: "old__trigger-elicitation-request", arguments: {} });
    expect(textOf(result)).toContain("Ada via v1");
  });

  it("tells the upstream when the client cancels a call", async () => {
    const controller = new AbortController();
    const call = legacy.callTool(
      { name: "old__trigger-long-running-operation", arguments: { duration: 7, steps: 7 } },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort(new Error("cancelled by the test")) },
    );
    await expect(call).rejects.toThrow(/cancelled by the test/);
    const sent = await eventually("the long call at the upstream", () =>
      proxy.sent("tools/call").find((m) => (m.params?.["arguments"] as { duration?: number })?.duration === 7),
    );
    await eventually("notifications/cancelled at the upstream", () =>
      proxy.sent("notifications/cancelled").find((m) => m.params?.["requestId"] === sent.id),
    );
  });
});

describe("a legacy HTTP+SSE upstream that restarts", () => {
  it("is reached on a new event stream by both clients' next calls", async () => {
    await restartEverything();
    expect(textOf(await legacy.callTool({ name: "old__echo", arguments: { message: "after" } }))).toBe("Echo: after");
    expect(textOf(await callTool(modern, "old__echo", { message: "after v2" }))).toBe("Echo: after v2");
  });
});

describe("a legacy HTTP+SSE upstream, for an SDK v2 client in 2026-07-28 mode", () => {
  it("lists, calls and relays progress through the agent's held session", async () => {
    const { tools } = await modern.client.listTools();
    expect(tools.map((t) => t.name)).toContain("old__echo");
    expect(textOf(await callTool(modern, "old__echo", { message: "v2 over sse" }))).toBe("Echo: v2 over sse");
    const { result, progress } = await callToolWithProgress(modern, "old__trigger-long-running-operation", {
      duration: 0.3,
      steps: 3,
    });
    expect(textOf(result)).toContain("Long running operation completed");
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
  });

  it("turns the upstream's elicitation into input_required; the client's retry completes it", async () => {
    expect(textOf(await callTool(modern, "old__trigger-elicitation-request", {}))).toContain("Ada via v2");
  });
});
