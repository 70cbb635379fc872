// server-everything's `get-roots-list` asks the client `roots/list` on the session's
// standalone GET stream, not on the call's response stream (it also asks once, unprompted,
// 350 ms after initialize). Through the gateway, with the official SDK clients and a
// recording proxy in front of server-everything: a 2025-era client that declared roots is
// asked on its GET stream and its answer reaches the server; a 2026-07-28 client cannot be
// asked there, so the server gets a JSON-RPC error at once. Either way the call is answered
// promptly: the gateway would wait 30 s and server-everything 60 s, each test far less.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { allStarted, DEFAULT_KEY, startEverything, startGateway, Teardown, textOf, type Gateway } from "./harness.js";
import { callTool, connectModernClient } from "./modern-client.js";
import { startRecordingProxy, type ProxiedMessage, type RecordingProxy } from "./recording-proxy.js";

const TOOL = "everything__get-roots-list";
/** Far shorter than the gateway's 30 s timeout: a call that waits it out fails the test. */
const TEST_TIMEOUT_MS = 15_000;
const ROOT = { uri: "file:///workspace/e2e-project", name: "e2e project" };

const teardown = new Teardown();
let gateway: Gateway;
let proxy: RecordingProxy;

beforeAll(async () => {
  const [everything, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  gateway = started;
  proxy = await teardown.adopt(startRecordingProxy(everything.url), (p) => p.stop());
  await gateway.configure({ servers: { everything: { url: proxy.url } } });
});

afterAll(() => teardown.run());

/** Responses the gateway POSTed to server-everything since exchange `start` (answers to its questions). */
function answersSent(start: number): ProxiedMessage[] {
  return proxy.exchanges
    .slice(start)
    .filter((e) => e.httpMethod === "POST")
    .flatMap((e) => e.messages.filter((m) => m.method === undefined && ("result" in m || "error" in m)));
}

describe("server-everything asking roots/list on its standalone stream", () => {
  it(
    "asks a 2025-era client that declared roots on its GET stream, and gets its answer",
    async () => {
      const start = proxy.exchanges.length;
      const asked: unknown[] = [];
      const client = new LegacyClient({ name: "e2e-roots-client", version: "1.0.0" }, { capabilities: { roots: {} } });
      client.setRequestHandler(ListRootsRequestSchema, (request) => {
        asked.push(request.params ?? {});
        return { roots: [ROOT] };
      });
      const transport = new LegacyTransport(gateway.endpoint, {
        requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } },
      });
      await teardown.adopt(
        client.connect(transport).then(() => client),
        (c) => c.close(),
      );
      // The SDK client opens its GET stream after initialize; the gateway then listens upstream.
      await expect
        .poll(() => proxy.exchanges.slice(start).some((e) => e.httpMethod === "GET" && e.status === 200))
        .toBe(true);

      const text = textOf(await client.callTool({ name: TOOL, arguments: {} }));
      expect(text).toContain(ROOT.uri);
      expect(asked.length).toBeGreaterThan(0);
      expect(answersSent(start)).toContainEqual(expect.objectContaining({ result: { roots: [ROOT] } }));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers server-everything with an error at once for a 2026-07-28 client, and the call completes",
    async () => {
      const start = proxy.exchanges.length;
      const connected = await teardown.adopt(
        connectModernClient(gateway.endpoint, { apiKey: DEFAULT_KEY, negotiation: "modern" }),
        (c) => c.close(),
      );
      const text = textOf(await callTool(connected, TOOL, {}, { timeoutMs: TEST_TIMEOUT_MS }));
      // server-everything says so when its question failed.
      expect(text).toContain("no roots are currently configured");
      expect(answersSent(start)).toContainEqual(expect.objectContaining({ error: expect.anything() }));
    },
    TEST_TIMEOUT_MS,
  );
});
