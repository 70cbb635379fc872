// Malformed and adversarial POST bodies on /mcp and /mcp/<virtual server>, in both eras:
// text that is not JSON or not UTF-8, JSON that is no JSON-RPC message, bodies too large,
// too deep or batched too wide, methods nobody has, and answers to questions the gateway
// never asked. Each gets its documented status and JSON-RPC error, nothing reaches an
// upstream that should not, and afterwards a session opened before still works.
// Header abuse lives in hostile-headers.test.ts, names and paths in hostile-names.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCEPT_BOTH, GatewayClient, gatewayFetch } from "./support/client.js";
import { forgetCaches, putSettings, seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import {
  expectRefused,
  expectStillServing,
  META_CAPABILITIES,
  META_VERSION,
  MODERN_VERSION,
  mirroredHeaders,
  modernRequest,
  nested,
  postModern,
  postRaw,
  wellFormed,
} from "./support/hostile.js";

const ping = (id: string | number = 1, params?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "ping",
  ...(params ? { params } : {}),
});

const MODERN_LIST_HEADERS = mirroredHeaders("tools/list");

let tenant: FixtureTenant;
let healthy: GatewayClient;
let tools: string[];
/** How many requests the fixture had seen when the test began. */
let seenBefore: number;

beforeEach(async () => {
  tenant = FixtureTenant.create("hostile-bodies");
  await seedConfig({
    servers: { fx: { url: tenant.url } },
    virtualServers: { coder: { servers: ["fx"], agents: ["*"] } },
  });
  healthy = await GatewayClient.connect();
  tools = await healthy.toolNames();
  seenBefore = (await tenant.stats()).requests.length;
});

afterEach(async () => {
  await expectStillServing(healthy, tools);
});

/** Requests of these methods that reached the fixture upstream since the test began. */
async function forwarded(...methods: string[]) {
  const requests = (await tenant.stats()).requests.slice(seenBefore);
  return requests.filter((r) => r.method !== null && methods.includes(r.method));
}

/** The same body sent the ways the gateway is reached: no session, a session, a virtual server, the current era. */
function everyWay(body: BodyInit | (() => BodyInit), session: GatewayClient) {
  const make = () => (typeof body === "function" ? body() : body);
  return [
    { way: "/mcp without a session", send: () => postRaw(make()) },
    { way: "/mcp in a session", send: () => postRaw(make(), session.headers) },
    { way: "/mcp/coder", send: () => postRaw(make(), {}, "/mcp/coder") },
    { way: "current-era headers", send: () => postRaw(make(), MODERN_LIST_HEADERS) },
  ];
}

describe("bodies that are not JSON", () => {
  const NOT_JSON = [
    "",
    " ",
    "{",
    "[",
    "}",
    "{'jsonrpc':'2.0'}",
    "nul",
    "undefined",
    "NaN",
    "[1,]",
    '{"jsonrpc":"2.0",}',
    '{"a":1}}',
    '{"jsonrpc":"2.0","id":1,"method":"ping"',
    "\u0000",
    '{"a":"\\x41"}',
    '{"a":01}',
    "ping",
    '"unterminated',
  ];

  it("answers each with 400, -32700 PARSE_ERROR and a null id, however the gateway is reached", async () => {
    for (const text of NOT_JSON) {
      for (const { way, send } of everyWay(text, healthy)) {
        await expectRefused(
          await send(),
          { status: 400, code: -32700, dataCode: "PARSE_ERROR" },
          `${JSON.stringify(text)} ${way}`,
        );
      }
    }
    expect(await forwarded("tools/call", "tools/list")).toEqual([]);
  });
});

describe("bodies that are not UTF-8", () => {
  /** A ping whose params carry these raw bytes inside a string: valid JSON if they were valid UTF-8. */
  const pingWith = (bytes: number[]) =>
    new Uint8Array([
      ...new TextEncoder().encode('{"jsonrpc":"2.0","id":"utf8","method":"ping","params":{"x":"a'),
      ...bytes,
      ...new TextEncoder().encode('b"}}'),
    ]);
  const INVALID = {
    "a lone continuation byte": [0x80],
    "a byte that never occurs": [0xff],
    "an overlong '/'": [0xc0, 0xaf],
    "an encoded UTF-16 surrogate": [0xed, 0xa0, 0x80],
    "a truncated sequence": [0xe2, 0x82],
    "a code point above U+10FFFF": [0xf4, 0x90, 0x80, 0x80],
    "Latin-1 text": [0xe9, 0x74, 0xe9],
  };

  it("refuses invalid bytes with 400, -32700 PARSE_ERROR and a message naming UTF-8, never repairing them", async () => {
    for (const [what, bytes] of Object.entries(INVALID)) {
      for (const { way, send } of everyWay(() => pingWith(bytes), healthy)) {
        const body = await expectRefused(
          await send(),
          { status: 400, code: -32700, dataCode: "PARSE_ERROR" },
          `${what} ${way}`,
        );
        expect(body.error?.message).toMatch(/UTF-8/);
      }
    }
  });

  it("does not let an invalid byte reach an upstream inside a tool call, in either era", async () => {
    // 0xC3 0x28: a two-byte sequence whose second byte is no continuation byte.
    const withBadByte = (json: string) => {
      const [before, after] = json.split("PLACEHOLDER") as [string, string];
      const encoder = new TextEncoder();
      return new Uint8Array([...encoder.encode(before), 0xc3, 0x28, ...encoder.encode(after)]);
    };
    const params = { name: "fx__echo", arguments: { text: "PLACEHOLDER" } };
    const call = (era: "legacy" | "modern") =>
      withBadByte(
        JSON.stringify(
          era === "legacy"
            ? { jsonrpc: "2.0", id: "bad", method: "tools/call", params }
            : modernRequest("tools/call", params, "bad"),
        ),
      );
    await expectRefused(await postRaw(call("legacy"), healthy.headers), {
      status: 400,
      code: -32700,
      dataCode: "PARSE_ERROR",
    });
    const headers = mirroredHeaders("tools/call", { name: "fx__echo" });
    await expectRefused(await postRaw(call("modern"), headers), { status: 400, code: -32700, dataCode: "PARSE_ERROR" });
    expect(await forwarded("tools/call")).toEqual([]);
  });

  it("passes valid multi-byte text to the upstream and back unchanged", async () => {
    const text = "héllo ✓ 日本語 😀 \u0000 \u2028 \uFEFF end";
    expect(await healthy.callText("fx__echo", { text })).toBe(text);
    const modern = await wellFormed(await postModern("tools/call", { name: "fx__echo", arguments: { text } }));
    expect(modern.messages[0]?.result?.["content"]).toEqual([{ type: "text", text }]);
  });
});

describe("JSON that is no JSON-RPC message", () => {
  const NOT_JSON_RPC: Array<[string, unknown, string | number | null]> = [
    ["a number", 42, null],
    ["a string", "ping", null],
    ["true", true, null],
    ["null", null, null],
    ["an empty object", {}, null],
    ["no jsonrpc member", { id: 1, method: "ping" }, 1],
    ["jsonrpc 1.0", { jsonrpc: "1.0", id: 2, method: "ping" }, 2],
    ["jsonrpc as a number", { jsonrpc: 2.0, id: 3, method: "ping" }, 3],
    ["an object id", { jsonrpc: "2.0", id: { a: 1 }, method: "ping" }, null],
    ["an array id", { jsonrpc: "2.0", id: [1], method: "ping" }, null],
    ["a boolean id", { jsonrpc: "2.0", id: true, method: "ping" }, null],
    ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "ping" }, null],
    ["a null id", { jsonrpc: "2.0", id: null, method: "ping" }, null],
    ["a numeric method", { jsonrpc: "2.0", id: 4, method: 42 }, 4],
    ["an empty method", { jsonrpc: "2.0", id: 5, method: "" }, 5],
    ["a null method", { jsonrpc: "2.0", id: 6, method: null }, 6],
    ["array params", { jsonrpc: "2.0", id: 7, method: "ping", params: [1, 2] }, 7],
    ["string params", { jsonrpc: "2.0", id: 8, method: "ping", params: "x" }, 8],
    ["null params", { jsonrpc: "2.0", id: 9, method: "ping", params: null }, 9],
    ["result and error together", { jsonrpc: "2.0", id: 10, result: {}, error: { code: 1, message: "x" } }, 10],
    ["a result that is no object", { jsonrpc: "2.0", id: 11, result: 5 }, 11],
    ["an error without a code", { jsonrpc: "2.0", id: 12, error: { message: "x" } }, 12],
    ["a method and a result together", { jsonrpc: "2.0", id: 14, method: "ping", result: {} }, 14],
    ["neither method nor result", { jsonrpc: "2.0", id: 15 }, 15],
  ];

  it("answers 400 with -32600 INVALID_REQUEST, naming the id only when it is a valid one", async () => {
    for (const [what, value, id] of NOT_JSON_RPC) {
      for (const { way, send } of everyWay(JSON.stringify(value), healthy)) {
        await expectRefused(
          await send(),
          { status: 400, code: -32600, dataCode: "INVALID_REQUEST", id },
          `${what} ${way}`,
        );
      }
    }
  });

  it("answers the same for current-era requests with a wrong id, method or params", async () => {
    const cases: Array<[string, Record<string, unknown>, string | number | null]> = [
      ["an object id", { ...modernRequest("tools/list", {}, { a: 1 }) }, null],
      ["a fractional id", { ...modernRequest("tools/list", {}, 0.5) }, null],
      ["a null id", { ...modernRequest("tools/list", {}, null) }, null],
      ["array params", { jsonrpc: "2.0", id: 3, method: "tools/list", params: [{ _meta: {} }] }, 3],
      ["a numeric method", { ...modernRequest("tools/list", {}, 4), method: 7 }, 4],
    ];
    for (const [what, body, id] of cases) {
      const response = await postRaw(JSON.stringify(body), MODERN_LIST_HEADERS);
      await expectRefused(response, { status: 400, code: -32600, dataCode: "INVALID_REQUEST", id }, what);
    }
  });

  it("refuses a current-era request whose _meta envelope is malformed with 400 and -32602 INVALID_ENVELOPE", async () => {
    const envelopes: Record<string, Record<string, unknown>> = {
      "a numeric protocolVersion": { [META_VERSION]: 20260728, [META_CAPABILITIES]: {} },
      "no clientCapabilities": { [META_VERSION]: MODERN_VERSION },
      "array clientCapabilities": { [META_VERSION]: MODERN_VERSION, [META_CAPABILITIES]: [] },
      "null clientCapabilities": { [META_VERSION]: MODERN_VERSION, [META_CAPABILITIES]: null },
      "a clientInfo without a name": {
        [META_VERSION]: MODERN_VERSION,
        [META_CAPABILITIES]: {},
        "io.modelcontextprotocol/clientInfo": { version: "1" },
      },
      "a numeric logLevel": {
        [META_VERSION]: MODERN_VERSION,
        [META_CAPABILITIES]: {},
        "io.modelcontextprotocol/logLevel": 5,
      },
    };
    for (const [what, meta] of Object.entries(envelopes)) {
      const body = { jsonrpc: "2.0", id: what, method: "tools/list", params: { _meta: meta } };
      const response = await postRaw(JSON.stringify(body), MODERN_LIST_HEADERS);
      await expectRefused(response, { status: 400, code: -32602, dataCode: "INVALID_ENVELOPE", id: what }, what);
    }
    expect(await forwarded("tools/list")).toEqual([]);
  });

  it("answers the good entries of a 2025-03-26 batch and gives each malformed one its own -32600", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const response = await client.post([
      ping(1),
      { jsonrpc: "2.0", id: { a: 1 }, method: "ping" },
      { jsonrpc: "1.0", id: 3, method: "ping" },
      { jsonrpc: "2.0", id: 4, method: 5 },
      "not an object",
      ping(5),
    ]);
    const answer = await wellFormed(response);
    expect(answer.status).toBe(200);
    const byId = (id: string | number | null) => answer.messages.filter((m) => m.id === id);
    expect(answer.messages).toHaveLength(6);
    expect(byId(1)).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
    expect(byId(5)).toEqual([{ jsonrpc: "2.0", id: 5, result: {} }]);
    for (const id of [3, 4])
      expect(byId(id)[0]?.error).toMatchObject({ code: -32600, data: { code: "INVALID_REQUEST" } });
    expect(byId(null)).toHaveLength(2);
    for (const entry of byId(null)) expect(entry.error).toMatchObject({ code: -32600 });
  });

  it("answers a batch of nothing but malformed entries with 400 and one -32600 each", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const answer = await wellFormed(await client.post([1, "two", { jsonrpc: "2.0", id: 3 }]));
    expect(answer.status).toBe(400);
    expect(answer.messages).toHaveLength(3);
    for (const entry of answer.messages) expect(entry.error).toMatchObject({ code: -32600 });
    expect(answer.messages.map((m) => m.id)).toEqual([null, null, 3]);
  });

  it("refuses a batch that contains a current-era request, whatever else it holds", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const response = await client.post([ping(1), modernRequest("tools/list", {}, 2)]);
    await expectRefused(response, { status: 400, code: -32600, dataCode: "INVALID_REQUEST" });
  });
});

describe("bodies over settings.maxBodyBytes", () => {
  beforeEach(async () => {
    await putSettings({ maxBodyBytes: 1024 });
    await forgetCaches();
  });

  const tooLarge = { status: 413, code: -32000, dataCode: "PAYLOAD_TOO_LARGE" };

  it("takes a body of exactly the limit and refuses one byte more with 413, counting bytes, not characters", async () => {
    const base = JSON.stringify(ping("at-limit"));
    const exact = base + " ".repeat(1024 - base.length);
    expect(new TextEncoder().encode(exact).byteLength).toBe(1024);
    const accepted = await wellFormed(await postRaw(exact));
    expect(accepted.messages).toEqual([{ jsonrpc: "2.0", id: "at-limit", result: {} }]);

    const over = await expectRefused(await postRaw(`${exact} `), tooLarge, "1025 bytes");
    expect(over.error?.data).toMatchObject({ limit: 1024 });

    const wide = JSON.stringify(ping("wide", { x: "é".repeat(600) }));
    expect(wide.length).toBeLessThan(1024);
    await expectRefused(await postRaw(wide), tooLarge, "600 two-byte characters");
  });

  it("refuses an oversized body however the gateway is reached, and streamed without a length", async () => {
    const big = JSON.stringify(ping("big", { padding: "x".repeat(2000) }));
    for (const { way, send } of everyWay(big, healthy)) await expectRefused(await send(), tooLarge, way);
    const modern = JSON.stringify(
      modernRequest("tools/call", { name: "fx__echo", arguments: { text: "y".repeat(2000) } }),
    );
    await expectRefused(await postRaw(modern, mirroredHeaders("tools/call", { name: "fx__echo" })), tooLarge, "modern");
    const streamed = await gatewayFetch("/mcp", {
      method: "POST",
      headers: { ...healthy.headers, "content-type": "application/json", accept: ACCEPT_BOTH },
      body: new Blob([big]).stream(),
    });
    await expectRefused(streamed, tooLarge, "streamed");
    expect(await forwarded("tools/call")).toEqual([]);
  });

  it("refuses a body of many megabytes under the default limit with 413", async () => {
    await putSettings({});
    await forgetCaches();
    const huge = JSON.stringify(ping("huge", { padding: "x".repeat(8 * 1024 * 1024) }));
    const body = await expectRefused(await postRaw(huge, healthy.headers), tooLarge);
    expect(body.error?.data).toMatchObject({ limit: 4 * 1024 * 1024 });
  });
});

describe("bodies nested deeper than settings.maxJsonDepth", () => {
  const tooDeep = { status: 400, code: -32600, dataCode: "LIMIT_EXCEEDED" };
  /** A ping whose body nests `depth` levels: the body, params, then arrays. */
  const pingAtDepth = (depth: number, id: string | number = "deep") =>
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"a":${nested(depth - 2)}}}`;

  it("takes 64 levels and refuses 65 with 400, -32600 LIMIT_EXCEEDED naming maxJsonDepth and 64", async () => {
    const accepted = await wellFormed(await postRaw(pingAtDepth(64)));
    expect(accepted.messages).toEqual([{ jsonrpc: "2.0", id: "deep", result: {} }]);
    for (const { way, send } of everyWay(pingAtDepth(65), healthy)) {
      const body = await expectRefused(await send(), tooDeep, way);
      expect(body.error?.data).toMatchObject({ limit: "maxJsonDepth", max: 64 });
    }
  });

  it("refuses a hundred thousand levels of arrays or objects at once, without running out of stack", async () => {
    for (const body of [nested(100_000), `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`]) {
      const refused = await expectRefused(await postRaw(body, healthy.headers), tooDeep);
      expect(refused.error?.data).toMatchObject({ limit: "maxJsonDepth", max: 64 });
    }
    // Never closed, so not JSON either: refused one way or the other, never a crash.
    const answer = await wellFormed(await postRaw("[".repeat(100_000)));
    expect(answer.status).toBe(400);
    expect(["PARSE_ERROR", "LIMIT_EXCEEDED"]).toContain(answer.messages[0]?.error?.data?.code);
  });

  it("does not count brackets inside strings, escaped quotes included", async () => {
    const text = `${"[{".repeat(500)}\\"${"[".repeat(500)}`;
    const body = `{"jsonrpc":"2.0","id":"strings","method":"ping","params":{"x":"${text}"}}`;
    const answer = await wellFormed(await postRaw(body));
    expect(answer.messages).toEqual([{ jsonrpc: "2.0", id: "strings", result: {} }]);
  });

  it("follows settings.maxJsonDepth", async () => {
    await putSettings({ maxJsonDepth: 8 });
    await forgetCaches();
    const accepted = await wellFormed(await postRaw(pingAtDepth(8)));
    expect(accepted.messages[0]?.result).toEqual({});
    const body = await expectRefused(await postRaw(pingAtDepth(9)), tooDeep);
    expect(body.error?.data).toMatchObject({ limit: "maxJsonDepth", max: 8 });
  });

  it("refuses a too-deep current-era request and a too-deep batch entry the same way", async () => {
    const deepArgs = JSON.parse(nested(70)) as unknown;
    const modern = await postModern("tools/call", { name: "fx__echo", arguments: { text: "x", deep: deepArgs } });
    await expectRefused(modern, tooDeep, "modern");
    const client = await GatewayClient.connect("2025-03-26");
    await expectRefused(await client.post([ping(1), ping(2, { deep: deepArgs })]), tooDeep, "batch");
    expect(await forwarded("tools/call")).toEqual([]);
  });

  // 3 levels of body, params and arguments, 58 arrays, then 3 more: exactly 64.
  it("passes tool arguments nested exactly to the limit to the upstream unchanged", async () => {
    const args = `{"text":"deep","deep":${nested(58, '{"__proto__":{"x":[1,"two",null]}}')}}`;
    const body = `{"jsonrpc":"2.0","id":"within","method":"tools/call","params":{"name":"fx__echo","arguments":${args}}}`;
    const answer = await wellFormed(await postRaw(body, healthy.headers));
    expect(answer.messages[0]?.result?.["content"]).toEqual([{ type: "text", text: "deep" }]);
    const [call] = (await forwarded("tools/call")).filter((r) => r.params?.["arguments"] !== undefined).slice(-1);
    expect(JSON.stringify(call?.params?.["arguments"])).toBe(args);
  });
});

describe("methods the gateway does not have", () => {
  const UNKNOWN = [
    "tools/frobnicate",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "prototype",
    "tools/call/../../list",
    "../../etc/passwd",
    "TOOLS/LIST",
    "rpc.discover",
    "m".repeat(5000),
  ];

  it("answers -32601 METHOD_NOT_FOUND naming the method, in a legacy session (200) and in the current era (404)", async () => {
    const client = await GatewayClient.connect();
    for (const method of [...UNKNOWN, "tools/list\u0000", "ping\n"]) {
      const error = await client.error(method);
      expect(error, method).toMatchObject({ code: -32601, data: { code: "METHOD_NOT_FOUND", method } });
    }
    for (const method of UNKNOWN) {
      const answer = await wellFormed(await postModern(method, {}, { id: "modern" }), method);
      expect(answer.status).toBe(404);
      expect(answer.messages).toEqual([
        expect.objectContaining({
          id: "modern",
          error: expect.objectContaining({ code: -32601, data: { code: "METHOD_NOT_FOUND", method } }),
        }),
      ]);
    }
  });

  it("answers each unknown method of a 2025-03-26 batch with its own -32601", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const batch = UNKNOWN.map((method, i) => ({ jsonrpc: "2.0", id: i, method }));
    const answer = await wellFormed(await client.post(batch));
    expect(answer.status).toBe(200);
    expect(answer.messages).toHaveLength(UNKNOWN.length);
    for (const [i, method] of UNKNOWN.entries()) {
      const entry = answer.messages.find((m) => m.id === i);
      expect(entry?.error).toMatchObject({ code: -32601, data: { code: "METHOD_NOT_FOUND", method } });
    }
  });

  it("answers the other era's methods as unknown ones", async () => {
    const client = await GatewayClient.connect();
    expect(await client.error("server/discover")).toMatchObject({ code: -32601 });
    // What the 2026-07-28 revision removed, ping included: 404 and -32601, as its servers answer.
    const removed = ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"];
    for (const method of removed) {
      const answer = await wellFormed(await postModern(method, { level: "info", uri: "x://y" }, { id: method }));
      expect(answer.status, method).toBe(404);
      expect(answer.messages).toEqual([
        expect.objectContaining({ id: method, error: expect.objectContaining({ code: -32601 }) }),
      ]);
      expect(answer.messages[0]?.error, method).toMatchObject({ data: { code: "METHOD_NOT_FOUND", method } });
    }
  });

  it("accepts unknown notifications with 202 and forwards none of them", async () => {
    const methods = ["notifications/__proto__", "constructor", "notifications/tools/call", "../../etc/passwd"];
    for (const method of methods) {
      const legacy = await healthy.post({ jsonrpc: "2.0", method, params: { x: 1 } });
      expect(legacy.status, method).toBe(202);
      const modern = await postRaw(
        JSON.stringify({ jsonrpc: "2.0", method, params: { _meta: modernRequest(method).params._meta } }),
        { "mcp-protocol-version": MODERN_VERSION, "mcp-method": method },
      );
      expect(modern.status, method).toBe(202);
    }
    expect(await forwarded(...methods)).toEqual([]);
  });
});

describe("answers and ids the gateway never asked for", () => {
  it("accepts responses to ids it never asked with 202, and relays none of them", async () => {
    const strays = [
      { jsonrpc: "2.0", id: "never-asked", result: {} },
      { jsonrpc: "2.0", id: 404, error: { code: -1, message: "no" } },
      { jsonrpc: "2.0", id: `gw-ask-${crypto.randomUUID()}`, result: { action: "accept", content: { name: "x" } } },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "you confused me" } },
      { jsonrpc: "2.0", id: "__proto__", result: { polluted: true } },
      { jsonrpc: "2.0", id: "constructor", result: {} },
    ];
    for (const stray of strays) {
      const response = await healthy.post(stray);
      expect(response.status, JSON.stringify(stray)).toBe(202);
      expect(await response.text()).toBe("");
    }
    const before = (await tenant.stats()).requests.length;
    expect(await healthy.callText("fx__echo", { text: "after strays" })).toBe("after strays");
    const after = (await tenant.stats()).requests.slice(before);
    expect(after.map((r) => r.method)).toEqual(["tools/call"]);
  });

  it("answers every request of a batch that repeats an id, each under that id", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const call = (text: string) => ({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "fx__echo", arguments: { text } },
    });
    const answer = await wellFormed(await client.post([call("one"), call("two"), ping(7)]));
    expect(answer.status).toBe(200);
    expect(answer.messages).toHaveLength(3);
    expect(answer.messages.every((m) => m.id === 7)).toBe(true);
    const texts = answer.messages.flatMap((m) => (m.result?.["content"] as Array<{ text: string }> | undefined) ?? []);
    expect(texts.map((c) => c.text).sort()).toEqual(["one", "two"]);
    expect(await client.callText("fx__echo", { text: "same session" })).toBe("same session");
  });

  it("ignores notifications/cancelled for requests that are not in flight, whatever their id", async () => {
    for (const requestId of ["nope", 12345, { a: 1 }, [1], null, 1.5, "__proto__", "constructor"]) {
      const response = await healthy.post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId } });
      expect(response.status, JSON.stringify(requestId)).toBe(202);
    }
  });

  it("asks for a session when a response comes without one", async () => {
    const response = await postRaw(JSON.stringify({ jsonrpc: "2.0", id: "lost", result: {} }));
    await expectRefused(response, { status: 400, code: -32000, dataCode: "SESSION_REQUIRED" });
  });
});

describe("batches wider than settings.maxBatchSize", () => {
  const tooWide = { status: 400, code: -32600, dataCode: "LIMIT_EXCEEDED" };
  const pings = (n: number) => Array.from({ length: n }, (_, i) => ping(i));

  it("answers 50 requests in a 2025-03-26 session and refuses 51 with 400, -32600 LIMIT_EXCEEDED naming maxBatchSize", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const fifty = await wellFormed(await client.post(pings(50)));
    expect(fifty.status).toBe(200);
    expect(fifty.messages).toHaveLength(50);
    const body = await expectRefused(await client.post(pings(51)), tooWide);
    expect(body.error?.data).toMatchObject({ limit: "maxBatchSize", max: 50 });
  });

  it("refuses ten thousand entries, and follows settings.maxBatchSize", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    await expectRefused(await client.post(pings(10_000)), tooWide);
    await putSettings({ maxBatchSize: 3 });
    await forgetCaches();
    expect((await wellFormed(await client.post(pings(3)))).messages).toHaveLength(3);
    const body = await expectRefused(await client.post(pings(4)), tooWide);
    expect(body.error?.data).toMatchObject({ limit: "maxBatchSize", max: 3 });
    await expectRefused(await postRaw(JSON.stringify(pings(4))), tooWide, "without a session");
  });

  it("counts notifications and responses in a batch too", async () => {
    const client = await GatewayClient.connect("2025-03-26");
    const notes = Array.from({ length: 51 }, () => ({ jsonrpc: "2.0", method: "notifications/roots/list_changed" }));
    await expectRefused(await client.post(notes), tooWide, "notifications");
    const answers = Array.from({ length: 51 }, (_, i) => ({ jsonrpc: "2.0", id: `r${i}`, result: {} }));
    await expectRefused(await client.post(answers), tooWide, "responses");
  });
});
