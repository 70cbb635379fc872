// Prototype-pollution keys (`__proto__`, `constructor`, `prototype`) wherever the gateway
// reads keys: tool arguments and `_meta` (data: relayed unchanged), params (never a source
// of a name the request does not have), ids, tool names, declared capabilities, and KV
// configuration (agent rules, settings, server headers, virtual servers). After each,
// Object.prototype and friends are as they were in this isolate, where the Worker and its
// Durable Objects run too, and the configuration still works.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient, postMcp } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";
import {
  expectPrototypesClean,
  expectSessionsWork,
  expectStillServing,
  META_CAPABILITIES,
  mirroredHeaders,
  modernMeta,
  postRaw,
  wellFormed,
} from "./support/hostile.js";

const PROTOTYPE_NAMES = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
/** Tool arguments as a hostile client writes them: JSON text, so `__proto__` is an own key. */
const HOSTILE_ARGUMENTS =
  '{"text":"proto","__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},' +
  '"prototype":{"injected":1},"nested":[{"__proto__":{"polluted":"deep"}},{"constructor":null}]}';

let fx: FixtureTenant;
let healthy: GatewayClient;
let tools: string[];
let seenBefore: number;

beforeEach(async () => {
  fx = FixtureTenant.create("prototype");
  await fx.configure({ tools: ["echo", "fail", "ask", ...PROTOTYPE_NAMES] });
  await seedConfig({ servers: { fx: { url: fx.url } } });
  healthy = await GatewayClient.connect();
  tools = await healthy.toolNames();
  seenBefore = (await fx.stats()).requests.length;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await expectSessionsWork(healthy);
});

/** The tools/call requests the upstream received since the test began. */
async function callsReceived() {
  return (await fx.stats()).requests.slice(seenBefore).filter((r) => r.method === "tools/call");
}

/** A current-era tools/call whose params are given as JSON text, with the envelope spliced into `_meta`. */
function modernCall(id: string, paramsJson: string, name: string | undefined, meta = "{}") {
  const envelope = JSON.stringify(modernMeta()).slice(1, -1);
  const withMeta = meta === "{}" ? `{${envelope}}` : `{${envelope},${meta.slice(1)}`;
  const params = `${paramsJson.slice(0, -1)}${paramsJson.length > 2 ? "," : ""}"_meta":${withMeta}}`;
  const body = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":${params}}`;
  return postRaw(body, mirroredHeaders("tools/call", name === undefined ? {} : { name }));
}

function legacyCall(client: GatewayClient, id: string, paramsJson: string) {
  return postRaw(
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":${paramsJson}}`,
    client.headers,
  );
}

/** The one JSON-RPC response of an answer, by id. */
async function responseOf(answer: Promise<Response>, id: string) {
  const { messages } = await wellFormed(await answer, id);
  const response = messages.find((m) => m.id === id && m.method === undefined);
  expect(response, `no response to ${id}`).toBeDefined();
  return response!;
}

describe("prototype keys in what a client sends", () => {
  it("passes __proto__, constructor and prototype in tool arguments to the upstream unchanged, in both eras", async () => {
    const params = `{"name":"fx__echo","arguments":${HOSTILE_ARGUMENTS}}`;
    const legacy = await responseOf(legacyCall(healthy, "legacy", params), "legacy");
    expect(legacy.result?.["content"]).toEqual([{ type: "text", text: "proto" }]);
    const modern = await responseOf(modernCall("modern", params, "fx__echo"), "modern");
    expect(modern.result?.["content"]).toEqual([{ type: "text", text: "proto" }]);

    const batchClient = await GatewayClient.connect("2025-03-26");
    const batch = `[{"jsonrpc":"2.0","id":"batched","method":"tools/call","params":${params}}]`;
    const batched = await wellFormed(await postRaw(batch, batchClient.headers));
    expect(batched.messages[0]?.result?.["content"]).toEqual([{ type: "text", text: "proto" }]);

    const received = await callsReceived();
    expect(received).toHaveLength(3);
    for (const call of received) expect(JSON.stringify(call.params?.["arguments"])).toBe(HOSTILE_ARGUMENTS);
    expectPrototypesClean();
    await expectStillServing(healthy, tools);
  });

  it("passes constructor and prototype keys in _meta on to the upstream, in both eras", async () => {
    const meta = '{"constructor":{"prototype":{"polluted":"meta"}},"prototype":{"x":1},"toString":"no"}';
    const params = `{"name":"fx__echo","arguments":{"text":"meta"},"_meta":${meta}}`;
    await responseOf(legacyCall(healthy, "legacy", params), "legacy");
    await responseOf(
      modernCall("modern", '{"name":"fx__echo","arguments":{"text":"meta"}}', "fx__echo", meta),
      "modern",
    );
    const received = await callsReceived();
    expect(received.map((r) => JSON.stringify(r.params?.["_meta"]))).toEqual([meta, meta]);
    expectPrototypesClean();
  });

  it("passes a __proto__ key in _meta on to the upstream like any other key", async () => {
    const meta = '{"__proto__":{"polluted":"meta"},"constructor":{"x":1}}';
    const params = `{"name":"fx__echo","arguments":{"text":"meta"},"_meta":${meta}}`;
    await responseOf(legacyCall(healthy, "legacy", params), "legacy");
    await responseOf(
      modernCall("modern", '{"name":"fx__echo","arguments":{"text":"meta"}}', "fx__echo", meta),
      "modern",
    );
    const received = await callsReceived();
    expect(received.map((r) => JSON.stringify(r.params?.["_meta"]))).toEqual([meta, meta]);
  });

  it("never takes a tool name, a URI or arguments from a __proto__ key in params", async () => {
    const smuggled = '{"__proto__":{"name":"fx__echo","arguments":{"text":"smuggled"}}}';
    const legacy = await responseOf(legacyCall(healthy, "legacy", smuggled), "legacy");
    expect(legacy.error).toMatchObject({ code: -32602, data: { code: "INVALID_PARAMS" } });
    const modern = await responseOf(modernCall("modern", smuggled, undefined), "modern");
    expect(modern.error).toMatchObject({ code: -32602, data: { code: "INVALID_PARAMS" } });

    const own = '{"name":"fx__echo","arguments":{"text":"own"},"__proto__":{"name":"fx__fail"}}';
    const ownLegacy = await responseOf(legacyCall(healthy, "own-legacy", own), "own-legacy");
    expect(ownLegacy.result?.["content"]).toEqual([{ type: "text", text: "own" }]);
    const ownModern = await responseOf(modernCall("own-modern", own, "fx__echo"), "own-modern");
    expect(ownModern.result?.["content"]).toEqual([{ type: "text", text: "own" }]);

    const read = `{"jsonrpc":"2.0","id":"read","method":"resources/read","params":{"__proto__":{"uri":"fixture://${fx.name}/readme"}}}`;
    const readAnswer = await responseOf(postRaw(read, healthy.headers), "read");
    expect(readAnswer.error).toMatchObject({ code: -32602, data: { code: "INVALID_PARAMS" } });

    expect((await callsReceived()).map((r) => r.tool)).toEqual(["echo", "echo"]);
    expect((await fx.stats()).requests.filter((r) => r.method === "resources/read")).toEqual([]);
  });

  it("answers requests whose ids are prototype member names under those ids", async () => {
    for (const id of PROTOTYPE_NAMES) {
      const legacy = await responseOf(
        postRaw(JSON.stringify({ jsonrpc: "2.0", id, method: "ping" }), healthy.headers),
        id,
      );
      expect(legacy.result).toEqual({});
      const modern = await responseOf(modernCall(id, '{"name":"fx__echo","arguments":{"text":"id"}}', "fx__echo"), id);
      expect(modern.result?.["content"]).toEqual([{ type: "text", text: "id" }]);
    }
  });

  it("serves upstream tools named like prototype members as ordinary tools, prefixed or bare", async () => {
    for (const name of PROTOTYPE_NAMES) expect(tools).toContain(`fx__${name}`);
    for (const name of PROTOTYPE_NAMES) expect(await healthy.callText(`fx__${name}`)).toBe(`${fx.name}/${name}`);

    await seedConfig({ servers: { fx: { url: fx.url, prefix: "" } } });
    const bare = await GatewayClient.connect();
    expect(await bare.toolNames()).toEqual(["echo", "fail", "ask", ...PROTOTYPE_NAMES]);
    for (const name of PROTOTYPE_NAMES) {
      expect(await bare.callText(name)).toBe(`${fx.name}/${name}`);
      const modern = await responseOf(modernCall(name, JSON.stringify({ name }), name), name);
      expect(modern.result?.["content"]).toEqual([{ type: "text", text: `${fx.name}/${name}` }]);
    }
    for (const name of ["isPrototypeOf", "__defineGetter__", "propertyIsEnumerable"]) {
      const error = await bare.error("tools/call", { name });
      expect(error, name).toMatchObject({ code: -32602, data: { code: "TOOL_NOT_FOUND", name } });
    }
    expect((await callsReceived()).filter((r) => !PROTOTYPE_NAMES.includes(String(r.tool))).map((r) => r.tool)).toEqual(
      [],
    );
  });

  it("does not count a capability declared under __proto__, in either era", async () => {
    const capabilities = JSON.parse('{"__proto__":{"elicitation":{},"sampling":{}}}') as Record<string, unknown>;
    const client = await GatewayClient.open({ capabilities });
    const legacy = await client.result<{ content: Array<{ text: string }>; isError?: boolean }>("tools/call", {
      name: "fx__ask",
    });
    expect(legacy.isError).toBe(true);
    expect(legacy.content[0]?.text).toMatch(/elicitation/);
    const initialize = (await fx.stats()).requests.slice(seenBefore).find((r) => r.method === "initialize");
    expect(initialize?.params?.["capabilities"]).toEqual({});

    const meta = `{"${META_CAPABILITIES}":{"__proto__":{"elicitation":{}}}}`;
    const envelope = JSON.stringify(modernMeta()).slice(1, -1).replace(`,"${META_CAPABILITIES}":{}`, "");
    const body = `{"jsonrpc":"2.0","id":"modern","method":"tools/call","params":{"name":"fx__ask","_meta":{${envelope},${meta.slice(1, -1)}}}}`;
    const modern = await responseOf(postRaw(body, mirroredHeaders("tools/call", { name: "fx__ask" })), "modern");
    expect(modern.result?.["resultType"]).not.toBe("input_required");
    expect(modern.result?.["isError"]).toBe(true);
  });
});

describe("prototype keys in KV configuration", () => {
  it("ignores __proto__ in an agent's per-server rules and applies the rest", async () => {
    const other = FixtureTenant.create("prototype-other");
    await seedConfig({
      servers: { fx: { url: fx.url }, constructor: { url: other.url } },
      agents: {
        tester: JSON.parse(
          '{"allow":{"servers":["*"],"tools":{"__proto__":["*"],"fx":["echo"]}},"deny":{"tools":{"__proto__":["echo"],"constructor":["*"]}}}',
        ),
      },
    });
    const client = await GatewayClient.connect();
    expect(await client.toolNames()).toEqual(["fx__echo"]);
    expect(await client.callText("fx__echo", { text: "allowed" })).toBe("allowed");
    for (const name of ["fx__ask", "fx____proto__", "constructor__echo"]) {
      expect(await client.error("tools/call", { name }), name).toMatchObject({ data: { code: "DENIED_BY_POLICY" } });
    }
    expectPrototypesClean();
  });

  it("gives nothing to an agent whose allow rules hide behind __proto__ or constructor", async () => {
    const sneaky = {
      "sneaky-a": '{"__proto__":{"allow":{"servers":["*"]}}}',
      "sneaky-b": '{"allow":{"__proto__":{"servers":["*"]}}}',
      "sneaky-c": '{"constructor":{"prototype":{"allow":{"servers":["*"]}}}}',
      "sneaky-d": '{"allow":{"servers":{"__proto__":["*"]}}}',
    };
    await seedConfig({
      servers: { fx: { url: fx.url } },
      agents: Object.fromEntries(Object.entries(sneaky).map(([agent, rules]) => [agent, JSON.parse(rules)])),
      apiKeys: Object.fromEntries(Object.keys(sneaky).map((agent) => [`key-${agent}`, { agent }])),
    });
    for (const agent of Object.keys(sneaky)) {
      const client = await GatewayClient.open({ key: `key-${agent}` });
      expect(await client.toolNames(), agent).toEqual([]);
      const error = await client.error("tools/call", { name: "fx__echo", arguments: { text: "x" } });
      expect(error.data?.code, agent).toBe("DENIED_BY_POLICY");
    }
    expect(await callsReceived()).toEqual([]);
    expectPrototypesClean();
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "tester still works" })).toBe("tester still works");
  });

  it("falls back to the defaults for settings that hide values behind __proto__, constructor or prototype", async () => {
    for (const settings of [
      '{"__proto__":{"anonymousAgent":"tester","maxBodyBytes":1024}}',
      '{"constructor":{"prototype":{"anonymousAgent":"tester"}}}',
      '{"prototype":{"anonymousAgent":"tester"},"maxBodyBytes":1024}',
    ]) {
      const logs = captureLogs();
      await seedConfig({ servers: { fx: { url: fx.url } }, settings: JSON.parse(settings) });
      const anonymous = await postMcp({ jsonrpc: "2.0", id: 1, method: "ping" }, { authorization: "" });
      expect(anonymous.status, settings).toBe(401);
      await anonymous.body?.cancel();
      const padded = await postMcp({ jsonrpc: "2.0", id: 2, method: "ping", params: { x: "p".repeat(2000) } });
      expect(padded.status, settings).toBe(200);
      await padded.body?.cancel();
      expect(
        logs.events("config.invalid_entry").map((line) => line["key"]),
        settings,
      ).toContain("settings");
      vi.restoreAllMocks();
      expectPrototypesClean();
    }
  });

  it("sends a registration's constructor and prototype headers as ordinary headers", async () => {
    await seedConfig({ servers: { fx: { url: fx.url, headers: { constructor: "c", prototype: "p" } } } });
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__echo", { text: "headers" })).toBe("headers");
    const [call] = await callsReceived();
    expect(call?.headers).toMatchObject({ constructor: "c", prototype: "p" });
    expectPrototypesClean();
  });

  it("refuses a registration hiding reserved headers behind __proto__, and sends nothing from it", async () => {
    const logs = captureLogs();
    await seedConfig({
      servers: {
        fx: {
          url: fx.url,
          headers: JSON.parse(
            '{"__proto__":{"Mcp-Session-Id":"evil","Authorization":"evil"},"constructor":"c","prototype":"p"}',
          ),
        },
      },
    });
    const client = await GatewayClient.connect();
    const answer = await client.rpc("tools/call", { name: "fx__echo", arguments: { text: "headers" } });
    expect(answer.error?.data).toMatchObject({ code: "INVALID_CONFIG", server: "fx" });
    const problem = logs.events("config.invalid_entry").find((line) => line["key"] === "server:fx");
    expect(String(problem?.["problem"])).toContain("__proto__");
    expect(await callsReceived()).toEqual([]);
    expectPrototypesClean();
  });

  it("sends a header named __proto__ or reports the registration, never drops it silently", async () => {
    const logs = captureLogs();
    await seedConfig({ servers: { fx: { url: fx.url, headers: JSON.parse('{"__proto__":"x","X-Ok":"1"}') } } });
    const client = await GatewayClient.connect();
    const answer = await client.rpc("tools/call", { name: "fx__echo", arguments: { text: "h" } });
    const reported = logs.events("config.invalid_entry").some((line) => line["key"] === "server:fx");
    const [call] = await callsReceived();
    const sent = call !== undefined && Object.hasOwn(call.headers, "__proto__") && call.headers["__proto__"] === "x";
    const outcome = { sent, answered: answer.result !== undefined, reported };
    expect((sent && outcome.answered) || reported, JSON.stringify(outcome)).toBe(true);
  });

  it("serves a virtual server whose selections and overrides carry __proto__, and refuses one hiding its agents there", async () => {
    await seedConfig({
      servers: { fx: { url: fx.url } },
      virtualServers: {
        open: JSON.parse(
          '{"servers":["*"],"agents":["*"],"tools":{"__proto__":["echo"]},"overrides":{"__proto__":{"name":"x"}}}',
        ),
        closed: JSON.parse('{"__proto__":{"agents":["*"]},"servers":["*"],"agents":[]}'),
      },
    });
    const open = await GatewayClient.open({ path: "/mcp/open" });
    expect(await open.toolNames()).toEqual(tools);
    expect(await open.callText("fx__echo", { text: "vs" })).toBe("vs");
    const closed = await postMcp({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }, {}, "/mcp/closed");
    expect(closed.headers.get("mcp-session-id")).toBeNull();
    expect([403, 404]).toContain(closed.status);
    await closed.body?.cancel();
    expectPrototypesClean();
  });
});
