// A property-based fuzz pass over the JSON-RPC edge with fast-check: arbitrary bytes,
// arbitrary JSON values, JSON-RPC-like messages and batches (legacy, in a session that
// allows batches) and current-era requests with envelopes and mirrored headers, plus
// arbitrary values in the headers the gateway reads. Whatever comes in, every answer is a
// well-formed HTTP answer (never a 500; JSON-RPC bodies whose gateway errors carry a
// `data.code` string), ids are answered as sent, and a session opened before the fuzz
// still answers tools/call correctly afterwards. Runs are bounded to keep the file fast.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import {
  expectPrototypesClean,
  expectStillServing,
  headerValue,
  META_CAPABILITIES,
  META_VERSION,
  MODERN_VERSION,
  postRaw,
  wellFormed,
} from "./support/hostile.js";

/** Runs per property: enough to walk every branch of the edge, few enough for a fast file. */
const RUNS = 200;
/** Methods the gateway or its upstreams know, and some that look alike. `subscriptions/listen` streams forever by design. */
const METHODS = [
  "ping",
  "initialize",
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "logging/setLevel",
  "server/discover",
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
  "__proto__",
  "constructor",
  "tools/call/../list",
];
const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "_meta", "name", "arguments", "toString"];

let tenant: FixtureTenant;
let healthy: GatewayClient;
let tools: string[];
/** A 2025-03-26 session, where batches are allowed, for the legacy fuzz. */
let fuzzed: GatewayClient;

beforeAll(async () => {
  tenant = FixtureTenant.create("hostile-fuzz");
  // Only tools that answer at once: a fuzzed call must never wait for a timeout.
  await tenant.configure({ tools: ["echo", "fail", "__proto__", "../../etc/passwd"] });
  await seedConfig({
    servers: { fx: { url: tenant.url } },
    virtualServers: { coder: { servers: ["fx"], agents: ["*"] } },
  });
  healthy = await GatewayClient.connect();
  tools = await healthy.toolNames();
  expect(await healthy.callText("fx__echo", { text: "before" })).toBe("before");
  fuzzed = await GatewayClient.connect("2025-03-26");
});

afterAll(async () => {
  await expectStillServing(healthy, tools);
});

const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE_KEYS));
const json = (depth = 3) => fc.jsonValue({ maxDepth: depth });
const object = fc.dictionary(key, json(2), { maxKeys: 5 });
const id = fc.oneof(
  { arbitrary: fc.integer(), weight: 4 },
  { arbitrary: fc.string({ maxLength: 16 }), weight: 4 },
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  object,
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.constantFrom("__proto__", "constructor", Number.MAX_SAFE_INTEGER, -1, 1e300),
);
const method = fc.oneof(
  { arbitrary: fc.constantFrom(...METHODS), weight: 12 },
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  json(1),
);
const name = fc.oneof(
  fc.constantFrom("fx__echo", "fx__fail", "fx____proto__", "fx__../../etc/passwd", "fx__hang", "constructor"),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const uri = fc.oneof(
  fc.constantFrom("fixture://x/readme", "fixture://x/items/../readme", "file:///etc/passwd", ""),
  fc.webUrl(),
  fc.string({ maxLength: 20 }),
);
/** `_meta` as any request may carry it, with hostile keys next to the usual ones. */
const plainMeta = fc.record(
  { progressToken: id, ["__proto__"]: json(2), constructor: json(1), "x-custom/key": json(1) },
  { requiredKeys: [] },
);
/** `_meta` with a current-era envelope, each member usually right and sometimes bent. */
const envelopeMeta = fc.record(
  {
    [META_VERSION]: fc.oneof(
      { arbitrary: fc.constant(MODERN_VERSION), weight: 8 },
      fc.constantFrom("2025-06-18", "2099-01-01", "garbage", ""),
      json(1),
    ),
    [META_CAPABILITIES]: fc.oneof({ arbitrary: fc.constant({}), weight: 6 }, object, json(2)),
    "io.modelcontextprotocol/clientInfo": fc.oneof(
      { arbitrary: fc.constant({ name: "fuzz", version: "1" }), weight: 4 },
      json(2),
    ),
    "io.modelcontextprotocol/logLevel": fc.oneof(
      { arbitrary: fc.constantFrom("debug", "error", "__proto__"), weight: 4 },
      json(1),
    ),
    progressToken: id,
    ["__proto__"]: json(2),
  },
  { requiredKeys: [] },
);
const meta = fc.oneof({ arbitrary: plainMeta, weight: 3 }, envelopeMeta, json(1));
/** params as MCP methods read them, any of which may be missing, mistyped or hostile. */
const params = fc.oneof(
  {
    arbitrary: fc.record(
      {
        name,
        arguments: fc.oneof({ arbitrary: object, weight: 3 }, json(2)),
        uri,
        cursor: fc.oneof(fc.string({ maxLength: 40 }), json(1)),
        level: fc.oneof(fc.constantFrom("debug", "info", "emergency", "__proto__"), json(1)),
        requestId: id,
        ref: fc.oneof(fc.record({ type: fc.constantFrom("ref/prompt", "ref/resource"), name, uri }), json(2)),
        protocolVersion: fc.oneof(fc.constantFrom("2025-03-26", "2025-06-18", "2025-11-25", "1.0"), json(1)),
        capabilities: fc.oneof(object, json(1)),
        _meta: fc.oneof({ arbitrary: meta, weight: 3 }, json(1)),
        ["__proto__"]: object,
      },
      { requiredKeys: [] },
    ),
    weight: 10,
  },
  json(2),
);
const answerableId = fc.oneof(fc.integer(), fc.string({ maxLength: 16 }), fc.constantFrom("__proto__", "constructor"));
/**
 * A JSON-RPC-like message: mostly well-shaped requests and notifications (so that they
 * reach the sessions, the router and the upstream), some responses, and some with any
 * member missing or of the wrong type.
 */
const request = fc.record(
  { jsonrpc: fc.constant("2.0"), id: answerableId, method, params },
  { requiredKeys: ["jsonrpc", "id", "method"] },
);
const message: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { arbitrary: request, weight: 8 },
  {
    arbitrary: fc.record({ jsonrpc: fc.constant("2.0"), method, params }, { requiredKeys: ["jsonrpc", "method"] }),
    weight: 2,
  },
  fc.record({ jsonrpc: fc.constant("2.0"), id, result: object }),
  fc.record({
    jsonrpc: fc.constant("2.0"),
    id,
    error: fc.record({ code: fc.integer(), message: fc.string(), data: json(1) }, { requiredKeys: [] }),
  }),
  {
    arbitrary: fc.record(
      {
        jsonrpc: fc.oneof(fc.constant("2.0"), fc.constantFrom("1.0", "2", 2, null)),
        id,
        method,
        params,
        result: json(2),
        error: json(2),
      },
      { requiredKeys: [] },
    ),
    weight: 2,
  },
);
const body = fc.oneof({ arbitrary: message, weight: 6 }, fc.array(message, { maxLength: 6 }));

/** A request id the gateway must answer under: a string or a safe integer. */
function isAnswerableId(value: unknown): value is string | number {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
}

/** Checks that answers name only ids that were sent (or null, for what could not be identified). */
function expectIdsFrom(sent: unknown, messages: readonly RpcMessage[]): void {
  const entries = Array.isArray(sent) ? sent : [sent];
  const ids = new Set<unknown>(entries.map((entry) => (entry as { id?: unknown } | null)?.id));
  for (const answer of messages) {
    if (answer.method !== undefined) continue;
    expect(answer.id === null || ids.has(answer.id), `answered id ${JSON.stringify(answer.id)}`).toBe(true);
  }
}

describe("fuzzing the JSON-RPC edge", () => {
  it("answers arbitrary bytes with a well-formed answer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 160 }), async (bytes) => {
        await wellFormed(await postRaw(bytes, fuzzed.headers), `bytes ${[...bytes].join(",")}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("answers arbitrary JSON values with a well-formed answer, in a session and on a virtual server", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), async (value, onVirtualServer) => {
        const text = JSON.stringify(value);
        const response = onVirtualServer ? postRaw(text, {}, "/mcp/coder") : postRaw(text, fuzzed.headers);
        const answer = await wellFormed(await response, text.slice(0, 300));
        expectIdsFrom(value, answer.messages);
      }),
      { numRuns: RUNS },
    );
  });

  it("answers JSON-RPC-like messages and batches in a 2025-03-26 session, each request under its own id", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const text = JSON.stringify(sent);
        const answer = await wellFormed(await postRaw(text, fuzzed.headers), text.slice(0, 300));
        expectIdsFrom(sent, answer.messages);
        const single = Array.isArray(sent) ? undefined : sent;
        if (single && answer.status === 200 && isAnswerableId(single.id) && typeof single.method === "string") {
          const response = answer.messages.filter((m) => m.method === undefined);
          if (response.length > 0) expect(response.at(-1)?.id, text.slice(0, 300)).toBe(single.id);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("answers current-era requests with any envelope and mirrored headers, without a session", async () => {
    const modern = fc.record({
      message: fc.oneof({ arbitrary: request, weight: 4 }, message),
      mirror: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, fc.constant(false)),
      path: fc.constantFrom("/mcp", "/mcp/coder"),
    });
    await fc.assert(
      fc.asyncProperty(modern, async ({ message: sent, mirror, path }) => {
        const withEnvelope = envelopeInto(sent);
        const headers = mirror ? mirrorOf(withEnvelope) : {};
        const text = JSON.stringify(withEnvelope);
        const answer = await wellFormed(await postRaw(text, headers, path), `${path} ${text.slice(0, 300)}`);
        expectIdsFrom(withEnvelope, answer.messages);
      }),
      { numRuns: RUNS },
    );
  });

  it("answers a valid request with arbitrary values in every header the gateway reads", async () => {
    const printable = fc.string({ maxLength: 40 });
    const valuesOf: Record<string, fc.Arbitrary<string>> = {
      "mcp-session-id": fc.oneof(printable, fc.constant("SESSION")),
      "mcp-protocol-version": fc.oneof(printable, fc.constantFrom(MODERN_VERSION, "2025-03-26", "garbage")),
      "mcp-method": fc.oneof(printable, fc.constantFrom("tools/call", "tools/list", "ping")),
      "mcp-name": fc.oneof(printable, fc.constantFrom("fx__echo", "=?base64?Zng=?=", "=?base64?***?=")),
      accept: fc.oneof(printable, fc.constantFrom("*/*", "text/event-stream", "application/json;q=0")),
      "content-type": fc.oneof(printable, fc.constant("application/json; charset=utf-8")),
      "x-mcp-agent": fc.oneof(printable, fc.constantFrom("tester", "__proto__")),
      "last-event-id": printable,
      origin: printable,
    };
    // One to three headers bent at a time, so that the rest still lets the request through.
    const headerValues = fc
      .uniqueArray(fc.constantFrom(...Object.keys(valuesOf)), { minLength: 1, maxLength: 3 })
      .chain((names) => fc.tuple(...names.map((name) => valuesOf[name]!.map((value) => [name, value] as const))));
    const request = fc.constantFrom(
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "fx__echo", arguments: { text: "h" } } },
      { jsonrpc: "2.0", id: 2, method: "ping" },
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/list",
        params: { _meta: { [META_VERSION]: MODERN_VERSION, [META_CAPABILITIES]: {} } },
      },
    );
    await fc.assert(
      fc.asyncProperty(request, headerValues, async (sent, values) => {
        const headers = Object.fromEntries(
          values.map(([name, value]) => [name, value === "SESSION" ? fuzzed.sessionId : value]),
        );
        const text = JSON.stringify(sent);
        const answer = await wellFormed(await postRaw(text, headers), `${JSON.stringify(headers)} ${text}`);
        expectIdsFrom(sent, answer.messages);
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves the session opened before the fuzz working, and no prototype touched", async () => {
    expect(await healthy.callText("fx__echo", { text: "after the fuzz" })).toBe("after the fuzz");
    expect(await healthy.callText("fx____proto__")).toBe(`${tenant.name}/__proto__`);
    expectPrototypesClean();
  });
});

/** The message with a current-era `_meta` envelope merged into its params (when they are an object). */
function envelopeInto(sent: Record<string, unknown>): Record<string, unknown> {
  const params = sent["params"];
  if (typeof params !== "object" || params === null || Array.isArray(params)) return sent;
  const own = (params as Record<string, unknown>)["_meta"];
  const base = typeof own === "object" && own !== null && !Array.isArray(own) ? own : {};
  const merged = { [META_VERSION]: MODERN_VERSION, [META_CAPABILITIES]: {}, ...base };
  return { ...sent, params: { ...params, _meta: merged } };
}

/** The headers a client would mirror from this body, when they can be sent at all. */
function mirrorOf(sent: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  const params = (sent["params"] ?? {}) as Record<string, unknown>;
  const version = (params["_meta"] as Record<string, unknown> | undefined)?.[META_VERSION];
  if (typeof version === "string" && /^[\x20-\x7e]*$/.test(version)) headers["mcp-protocol-version"] = version;
  const method = sent["method"];
  if (typeof method === "string" && /^[\x21-\x7e]+$/.test(method)) headers["mcp-method"] = method;
  const source = method === "resources/read" ? "uri" : "name";
  const value = params[source];
  if (typeof value === "string") headers["mcp-name"] = headerValue(value);
  return headers;
}
