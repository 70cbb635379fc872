// OpenTelemetry traces, end to end: the gateway in workerd with settings.tracing pointing at
// a stand-in OTLP/HTTP collector (otlp-receiver.ts, which decodes every export strictly),
// server-everything behind a recording proxy (which shows the `traceparent` each upstream
// request carried), and SDK clients of both eras that continue their own traces. Each
// request gets a SERVER span that continues the client's context, each upstream call a
// CLIENT span under it whose context the upstream receives (header and `_meta`), a request
// the Worker hands to a session object stays in one trace, and the collector's header
// comes from a Worker secret that appears nowhere else.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import {
  allStarted,
  auditLines,
  connectClient,
  DEFAULT_KEY,
  eventually,
  startEverything,
  startGateway,
  Teardown,
  type Gateway,
} from "./harness.js";
import { connectModernClient } from "./modern-client.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";

const COLLECTOR_TOKEN = `otel-${randomUUID()}`;
const SERVER = 2;
const CLIENT = 3;

const teardown = new Teardown();
let gateway: Gateway;
let collector: OtlpReceiver;
let proxy: RecordingProxy;

beforeAll(async () => {
  const [everything, started, receiver] = await allStarted([
    teardown.adopt(startEverything(), (u) => u.kill()),
    teardown.adopt(startGateway({ vars: { COLLECTOR_TOKEN } }), (g) => g.stop()),
    teardown.adopt(startOtlpReceiver(), (r) => r.stop()),
  ]);
  gateway = started;
  collector = receiver;
  proxy = await teardown.adopt(startRecordingProxy(everything.url), (p) => p.stop());
  await gateway.configure({
    servers: { ev: { url: proxy.url } },
    settings: {
      // Lists are fetched afresh for every request, so each list request has its upstream span.
      catalogTtlSeconds: 0,
      tracing: {
        endpoint: collector.url,
        headers: { authorization: "Bearer ${COLLECTOR_TOKEN}" },
        serviceName: "gateway-e2e",
      },
    },
  });
});

afterAll(() => teardown.run());

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A client's own trace context: a new trace, and the client's span in it. */
function clientContext(sampled = true) {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${sampled ? "01" : "00"}` };
}

/** The spans of one trace, once the collector has `count` of them. */
function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
  return eventually(`${count} spans of trace ${traceId}`, () => {
    const spans = collector.spans.filter((span) => span.traceId === traceId);
    return spans.length >= count ? spans : undefined;
  });
}

/** The upstream requests of a method whose params carried this trace. */
function upstreamRequests(method: string, traceId: string) {
  return proxy.exchanges.filter(
    (exchange) => exchange.messages.some((m) => m.method === method) && exchange.traceparent?.split("-")[1] === traceId,
  );
}

function one(spans: ReceivedSpan[], kind: number, name: string): ReceivedSpan {
  const found = spans.filter((span) => span.kind === kind && span.name === name);
  expect(found, `${name} (kind ${kind}) among ${spans.map((s) => `${s.name}/${s.kind}`).join(", ")}`).toHaveLength(1);
  return found[0]!;
}

describe("a 2025-era client's tool call", () => {
  it("is a SERVER span continuing the client's traceparent, with a CLIENT span whose context the upstream gets", async () => {
    const context = clientContext();
    const { client } = await connectClient(gateway, "traced-v1", { headers: { traceparent: context.traceparent } });
    await client.callTool({ name: "ev__echo", arguments: { message: "traced" } });

    const spans = await spansOf(context.traceId, 2);
    const server = one(spans, SERVER, "tools/call ev__echo");
    expect(server.parentSpanId).toBe(context.spanId);
    expect(server.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "ev__echo",
      "gen_ai.operation.name": "execute_tool",
      "mcp.protocol.version": expect.stringMatching(/^2025-/),
      "mcpgw.agent": "e2e-agent",
    });
    expect(server.attributes["mcp.session.id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(server.statusCode).toBe(0);

    const upstream = one(spans, CLIENT, "tools/call echo");
    expect(upstream.parentSpanId).toBe(server.spanId);
    expect(upstream.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "echo",
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(proxy.url).port),
      "mcpgw.server": "ev",
    });
    expect(upstream.startNanos).toBeGreaterThanOrEqual(server.startNanos);
    expect(upstream.endNanos).toBeLessThanOrEqual(server.endNanos);

    // The upstream was told the CLIENT span is its parent, in the header and in _meta.
    const sent = upstreamRequests("tools/call", context.traceId);
    expect(sent).toHaveLength(1);
    const expected = `00-${context.traceId}-${upstream.spanId}-01`;
    expect(sent[0]!.traceparent).toBe(expected);
    expect(sent[0]!.messages[0]!.params?.["_meta"]).toMatchObject({ traceparent: expected });

    // The call's audit line names the trace, so logs and traces meet.
    const audited = await eventually("the call's audit line", () =>
      auditLines(gateway).find((line) => line["kind"] === "upstream" && line["traceId"] === context.traceId),
    );
    expect(audited).toMatchObject({ method: "tools/call", server: "ev", name: "echo" });
    await client.close();
  });

  it("traces a list fetched from the upstream as a CLIENT span, whose context the upstream gets", async () => {
    const context = clientContext();
    const { client } = await connectClient(gateway, "traced-list");
    // The session may already be fetching the list (joined, not fetched again): the second
    // request surely fetches it (catalogTtlSeconds 0), and continues the trace in its _meta.
    await client.listTools();
    const { tools } = await client.listTools({ _meta: { traceparent: context.traceparent } });
    expect(tools.map((tool) => tool.name)).toContain("ev__echo");

    const spans = await spansOf(context.traceId, 2);
    const server = one(spans, SERVER, "tools/list");
    expect(server.parentSpanId).toBe(context.spanId);
    const fetched = one(spans, CLIENT, "tools/list");
    expect(fetched.parentSpanId).toBe(server.spanId);
    expect(fetched.attributes["mcpgw.server"]).toBe("ev");
    const sent = upstreamRequests("tools/list", context.traceId);
    expect(sent.map((exchange) => exchange.traceparent)).toEqual([`00-${context.traceId}-${fetched.spanId}-01`]);
    await client.close();
  });

  it("stays one trace when the session object answers it (a call with progress)", async () => {
    const context = clientContext();
    const { client } = await connectClient(gateway, "traced-progress", {
      headers: { traceparent: context.traceparent },
    });
    const progress: unknown[] = [];
    await client.callTool(
      { name: "ev__trigger-long-running-operation", arguments: { duration: 0.2, steps: 2 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(progress.length).toBeGreaterThan(0);

    const spans = await spansOf(context.traceId, 2);
    const server = one(spans, SERVER, "tools/call ev__trigger-long-running-operation");
    expect(server.parentSpanId).toBe(context.spanId);
    expect(server.attributes["mcpgw.at"]).toBe("session-object");
    const upstream = one(spans, CLIENT, "tools/call trigger-long-running-operation");
    expect(upstream.parentSpanId).toBe(server.spanId);
    await client.close();
  });

  it("stays one trace when the Worker hands the call to the session object mid-answer (a question)", async () => {
    const context = clientContext();
    const client = new LegacyClient(
      { name: "traced-question", version: "1.0.0" },
      { capabilities: { elicitation: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { name: "Ada" } }));
    const headers = { authorization: `Bearer ${DEFAULT_KEY}`, traceparent: context.traceparent };
    await client.connect(new LegacyTransport(gateway.endpoint, { requestInit: { headers } }));
    await client.callTool({ name: "ev__trigger-elicitation-request", arguments: {} });

    // The Worker's spans end where it handed the call over; the object's continue them.
    const spans = await spansOf(context.traceId, 4);
    const servers = spans.filter((span) => span.kind === SERVER);
    const inWorker = servers.find((span) => span.attributes["mcpgw.at"] === "worker");
    const inObject = servers.find((span) => span.attributes["mcpgw.at"] === "session-object");
    expect(inWorker?.parentSpanId).toBe(context.spanId);
    expect(inWorker?.attributes["mcpgw.handed_over"]).toBe(true);
    expect(inObject?.parentSpanId).toBe(inWorker?.spanId);
    const clients = spans.filter((span) => span.kind === CLIENT);
    expect(clients.map((span) => span.parentSpanId).sort()).toEqual([inWorker?.spanId, inObject?.spanId].sort());
    await client.close();
  });

  it("marks a refused call as failed, with the JSON-RPC code as its error type", async () => {
    const context = clientContext();
    const { client } = await connectClient(gateway, "traced-refusal", {
      headers: { traceparent: context.traceparent },
    });
    await expect(client.callTool({ name: "ev__no-such-tool", arguments: {} })).rejects.toThrow();
    const [server] = await spansOf(context.traceId, 1);
    expect(server!.kind).toBe(SERVER);
    expect(server!.statusCode).toBe(2);
    expect(server!.attributes["error.type"]).toMatch(/^-32\d{3}$/);
    expect(server!.attributes["rpc.response.status_code"]).toBe(server!.attributes["error.type"]);
    await client.close();
  });

  it("records nothing of a trace the client did not sample, yet passes its context on", async () => {
    const context = clientContext(false);
    const { client } = await connectClient(gateway, "unsampled", { headers: { traceparent: context.traceparent } });
    await client.callTool({ name: "ev__echo", arguments: { message: "not sampled" } });
    const sent = upstreamRequests("tools/call", context.traceId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.traceparent).toMatch(new RegExp(`^00-${context.traceId}-[0-9a-f]{16}-00$`));
    await client.close();
    // A sampled trace exported after this one proves the exports of this invocation are done.
    const later = clientContext();
    const next = await connectClient(gateway, "sampled-after", { headers: { traceparent: later.traceparent } });
    await next.client.callTool({ name: "ev__echo", arguments: { message: "sampled" } });
    await spansOf(later.traceId, 2);
    await next.client.close();
    expect(collector.spans.filter((span) => span.traceId === context.traceId)).toEqual([]);
  });
});

describe("a 2026-07-28 client's tool call", () => {
  it("continues the trace of the request's _meta.traceparent, through the held session to a 2025 upstream", async () => {
    const context = clientContext();
    const modern = await connectModernClient(gateway.endpoint, {
      negotiation: "modern",
      apiKey: DEFAULT_KEY,
    });
    await modern.client.callTool({
      name: "ev__echo",
      arguments: { message: "modern" },
      _meta: { traceparent: context.traceparent },
    });
    const spans = await spansOf(context.traceId, 2);
    const server = one(spans, SERVER, "tools/call ev__echo");
    expect(server.parentSpanId).toBe(context.spanId);
    expect(server.attributes["mcp.protocol.version"]).toBe("2026-07-28");
    const upstream = one(spans, CLIENT, "tools/call echo");
    expect(upstream.parentSpanId).toBe(server.spanId);
    expect(upstreamRequests("tools/call", context.traceId)[0]?.traceparent).toBe(
      `00-${context.traceId}-${upstream.spanId}-01`,
    );
    await modern.close();
  });
});

describe("the export", () => {
  it("is well-formed OTLP/JSON, names the service, and carries the collector's secret header only there", () => {
    expect(collector.malformed).toEqual([]);
    expect(collector.spans.length).toBeGreaterThan(0);
    for (const span of collector.spans) {
      expect(span.headers["authorization"]).toBe(`Bearer ${COLLECTOR_TOKEN}`);
      expect(span.resource["service.name"]).toBe("gateway-e2e");
      expect(span.scope.name).toBe("mcp-edge-gateway");
      expect(JSON.stringify(span.attributes)).not.toContain(COLLECTOR_TOKEN);
      expect(JSON.stringify(span.attributes)).not.toContain(DEFAULT_KEY);
    }
    expect(proxy.exchanges.some((e) => JSON.stringify(e).includes(COLLECTOR_TOKEN))).toBe(false);
    expect(gateway.logs.join("\n")).not.toContain(COLLECTOR_TOKEN);
  });
});
