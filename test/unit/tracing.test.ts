// The tracing core: W3C traceparent read strictly and written, spans parented, sampled and
// exported together as OTLP/JSON once the last one ends, the trace headers mirrored from
// `_meta` for upstreams, and settings.tracing resolved with its secrets.
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from "../../src/observe/tracing/trace-context.js";
import { Tracer, type TracingConfig } from "../../src/observe/tracing/tracer.js";
import { traceHeaders } from "../../src/upstream/trace-headers.js";
import { loadSnapshot } from "../../src/config/snapshot.js";
import { memoryKv } from "../../cli/memory-kv.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("reads version 00 and the sampled flag", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled).toBe(false);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
  });

  it("reads a later version's first fields and ignores what it appends", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-whatever`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
    });
  });

  it.each([
    ["uppercase hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with more fields", `00-${TRACE}-${SPAN}-01-x`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["garbage", "hello"],
    ["a number", 42],
  ])("ignores %s", (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("writes what it reads, and makes valid new ids", () => {
    const context = { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
    expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(parseTraceparent(formatTraceparent(context))).toEqual(context);
  });
});

const CONFIG: TracingConfig = {
  endpoint: "https://collector.example/v1/traces",
  headers: { "x-api-key": "k" },
  serviceName: "svc",
  sampleRatio: 1,
};
const SCOPE = { name: "mcp-edge-gateway", version: "0.1.0" };

/** A tracer whose exports are captured (the background work awaited). */
function capturingTracer(config: TracingConfig = CONFIG) {
  const bodies: Array<Record<string, unknown>> = [];
  const requests: Array<{ url: string; headers: Record<string, string> }> = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    requests.push({ url, headers: init.headers as Record<string, string> });
    bodies.push(JSON.parse(init.body as string) as Record<string, unknown>);
    return new Response("{}");
  });
  const pending: Array<Promise<unknown>> = [];
  const tracer = new Tracer(config, SCOPE, (work) => pending.push(work));
  return { tracer, bodies, requests, settled: () => Promise.all(pending) };
}

type OtlpSpan = Record<string, unknown> & { attributes: Array<{ key: string; value: Record<string, unknown> }> };
const spansIn = (body: Record<string, unknown>) =>
  (body["resourceSpans"] as Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>)[0]!.scopeSpans[0]!.spans;

afterEach(() => vi.unstubAllGlobals());

describe("Tracer", () => {
  it("exports an invocation's spans together, once the last open one ends, as OTLP/JSON", async () => {
    const { tracer, bodies, requests, settled } = capturingTracer();
    const parent = parseTraceparent(`00-${TRACE}-${SPAN}-01`);
    const server = tracer.start("tools/call t", "server", parent);
    server.set("mcp.method.name", "tools/call").set("count", 3).set("ratio", 0.5).set("flag", true);
    const client = tracer.start("tools/call t", "client", server.context);
    client.fail("-32603");
    client.end();
    expect(bodies).toHaveLength(0);
    server.end();
    server.end();
    await settled();
    expect(requests).toEqual([
      { url: CONFIG.endpoint, headers: { "x-api-key": "k", "content-type": "application/json" } },
    ]);
    const body = bodies[0]!;
    expect(body["resourceSpans"]).toMatchObject([
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
        scopeSpans: [{ scope: SCOPE }],
      },
    ]);
    const [first, second] = spansIn(body);
    expect(first).toMatchObject({ traceId: TRACE, parentSpanId: server.context.spanId, kind: 3, status: { code: 2 } });
    expect(first!.attributes).toContainEqual({ key: "error.type", value: { stringValue: "-32603" } });
    expect(second).toMatchObject({
      traceId: TRACE,
      spanId: server.context.spanId,
      parentSpanId: SPAN,
      kind: 2,
      status: {},
    });
    expect(second!.attributes).toEqual([
      { key: "mcp.method.name", value: { stringValue: "tools/call" } },
      { key: "count", value: { intValue: "3" } },
      { key: "ratio", value: { doubleValue: 0.5 } },
      { key: "flag", value: { boolValue: true } },
    ]);
    expect(String(second!["startTimeUnixNano"])).toMatch(/^\d{19}$/);
  });

  it("starts a new trace without a parent, and keeps nothing of one not sampled", async () => {
    const { tracer, bodies, settled } = capturingTracer();
    const root = tracer.start("ping", "server", undefined);
    expect(root.context.traceId).not.toBe(TRACE);
    expect(root.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const unsampled = tracer.start("x", "server", parseTraceparent(`00-${TRACE}-${SPAN}-00`));
    expect(unsampled.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    unsampled.end();
    root.end();
    await settled();
    expect(spansIn(bodies[0]!).map((span) => span["name"])).toEqual(["ping"]);
  });

  it("samples new traces at sampleRatio", async () => {
    const { tracer, bodies, settled } = capturingTracer({ ...CONFIG, sampleRatio: 0 });
    tracer.start("ping", "server", undefined).end();
    await settled();
    expect(bodies).toEqual([]);
  });

  it("keeps a bounded number of spans per invocation", async () => {
    const { tracer, bodies, settled } = capturingTracer();
    const root = tracer.start("root", "server", undefined);
    for (let i = 0; i < 1000; i++) tracer.start("child", "client", root.context).end();
    root.end();
    await settled();
    expect(spansIn(bodies[0]!).length).toBeLessThanOrEqual(256);
  });
});

describe("traceHeaders", () => {
  const tp = `00-${TRACE}-${SPAN}-01`;
  it("mirrors a valid _meta.traceparent, with its tracestate", () => {
    expect(traceHeaders({ _meta: { traceparent: tp, tracestate: "a=1" } })).toEqual({
      traceparent: tp,
      tracestate: "a=1",
    });
    expect(traceHeaders({ _meta: { traceparent: tp } })).toEqual({ traceparent: tp });
  });

  it("sends nothing for a missing or malformed one, and no tracestate that could split headers", () => {
    expect(traceHeaders(undefined)).toBeUndefined();
    expect(traceHeaders({ _meta: {} })).toBeUndefined();
    expect(traceHeaders({ _meta: { traceparent: "00-zz" } })).toBeUndefined();
    expect(traceHeaders({ _meta: { traceparent: tp, tracestate: "a=1\r\nx-evil: 1" } })).toEqual({ traceparent: tp });
  });
});

describe("settings.tracing", () => {
  const settings = (tracing: Record<string, unknown>) => JSON.stringify({ tracing });

  it("resolves header secrets and applies defaults", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({
        settings: settings({ endpoint: "https://otel.example/v1/traces", headers: { "x-key": "k ${OTEL}" } }),
      }),
      { OTEL: "s3cret" },
      new Map(),
    );
    expect(snapshot.tracing).toEqual({
      endpoint: "https://otel.example/v1/traces",
      headers: { "x-key": "k s3cret" },
      serviceName: "mcp-gateway",
      sampleRatio: 1,
    });
    expect(snapshot.problems).toEqual([]);
  });

  it("sends no traces while a referenced secret is missing, and says which", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({ settings: settings({ endpoint: "https://otel.example/v1/traces", headers: { "x-key": "${OTEL}" } }) }),
      {},
      new Map(),
    );
    expect(snapshot.tracing).toBeUndefined();
    expect(snapshot.problems).toEqual([
      { key: "settings", problem: expect.stringContaining("missing secret(s) OTEL"), keptLastGood: false },
    ]);
  });

  it("refuses a plain-http collector off loopback", async () => {
    const snapshot = await loadSnapshot(
      memoryKv({ settings: settings({ endpoint: "http://otel.example/v1/traces" }) }),
      {},
      new Map(),
    );
    expect(snapshot.tracing).toBeUndefined();
    expect(snapshot.problems[0]?.key).toBe("settings");
  });
});
