// Header abuse on /mcp, /mcp/<virtual server> and /healthz: headers sent twice, left
// out, oversized alone or together, and values no client should send (session ids,
// keys, protocol versions, the current era's mirrored headers, Accept, Content-Type,
// X-MCP-Agent, Origin, Last-Event-ID). Each gets its documented status and JSON-RPC
// error, never a 500, never another session's or agent's rights; afterwards a session
// opened before still works.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACCEPT_BOTH, GatewayClient, gatewayFetch, SseReader, TEST_API_KEY } from "./support/client.js";
import { forgetCaches, putSettings, seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import {
  expectRefused,
  expectStillServing,
  META_VERSION,
  mirroredHeaders,
  modernRequest,
  postModern,
  postRaw,
  refusedWith,
  wellFormed,
} from "./support/hostile.js";

const PING = JSON.stringify({ jsonrpc: "2.0", id: "ping", method: "ping" });
const LIST = JSON.stringify({ jsonrpc: "2.0", id: "list", method: "tools/list" });
const LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"];

let tenant: FixtureTenant;
let healthy: GatewayClient;
let tools: string[];
let seenBefore: number;

beforeEach(async () => {
  tenant = FixtureTenant.create("hostile-headers");
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

async function toolCallsForwarded() {
  return (await tenant.stats()).requests.slice(seenBefore).filter((r) => r.method === "tools/call");
}

/** GET and DELETE of /mcp with these headers (plus a valid key). */
function getAndDelete(headers: Array<[string, string]>) {
  return [
    gatewayFetch("/mcp", { headers: [["accept", "text/event-stream"], ...headers] }),
    gatewayFetch("/mcp", { method: "DELETE", headers }),
  ];
}

describe("Mcp-Session-Id sent twice, oversized or bent", () => {
  const notFound = { status: 404, code: -32000, dataCode: "SESSION_NOT_FOUND" };

  it("treats two Mcp-Session-Id values as a session it does not have, on POST, GET and DELETE, and ends nothing", async () => {
    const other = await GatewayClient.connect();
    const pairs: Array<[string, string]> = [
      [healthy.sessionId, healthy.sessionId],
      [healthy.sessionId, other.sessionId],
      [healthy.sessionId, "garbage"],
      ["garbage", healthy.sessionId],
    ];
    for (const [first, second] of pairs) {
      const headers: Array<[string, string]> = [
        ["mcp-session-id", first],
        ["mcp-session-id", second],
      ];
      await expectRefused(await postRaw(LIST, headers), notFound, `POST ${first} ${second}`);
      for (const response of await Promise.all(getAndDelete(headers))) {
        await expectRefused(response, notFound, `GET/DELETE ${first} ${second}`);
      }
    }
    expect(await other.callText("fx__echo", { text: "not ended" })).toBe("not ended");
  });

  it("answers 404 for a session id that is oversized, upper-case, truncated, extended or path-like", async () => {
    const id = healthy.sessionId;
    for (const bent of [id.toUpperCase(), id.slice(1), `${id}0`, `../${id}`, `${id}/..`, "a".repeat(10_000)]) {
      await expectRefused(await postRaw(LIST, { "mcp-session-id": bent }), notFound, bent.slice(0, 80));
      for (const response of await Promise.all(getAndDelete([["mcp-session-id", bent]]))) {
        await expectRefused(response, notFound, bent.slice(0, 80));
      }
    }
  });
});

describe("Authorization sent twice, malformed or oversized", () => {
  const unauthorized = { status: 401, code: -32000, dataCode: "UNAUTHORIZED" };

  it("refuses two Authorization headers with 401 even when both carry the valid key", async () => {
    const twice: Array<[string, string]> = [
      ["authorization", `Bearer ${TEST_API_KEY}`],
      ["authorization", `Bearer ${TEST_API_KEY}`],
    ];
    const response = await postRaw(PING, twice);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="mcp-gateway", error="invalid_token"');
    await expectRefused(response, unauthorized);
    const inSession: Array<[string, string]> = [...twice, ["mcp-session-id", healthy.sessionId]];
    await expectRefused(await postRaw(LIST, inSession), unauthorized, "in a session");
    for (const answer of await Promise.all(getAndDelete(inSession))) await expectRefused(answer, unauthorized);
  });

  it("refuses malformed and oversized keys with 401, and never echoes them", async () => {
    const values = [
      "Bearer",
      "Bearer ",
      `Basic ${btoa(`tester:${TEST_API_KEY}`)}`,
      `Bearer ${TEST_API_KEY} extra`,
      `Bearer ${TEST_API_KEY}\u007f`,
      `Token ${TEST_API_KEY}`,
      `Bearer ${"k".repeat(5000)}`,
      `Bearer ${TEST_API_KEY}, Bearer ${TEST_API_KEY}`,
    ];
    for (const value of values) {
      const response = await postRaw(PING, { authorization: value });
      const body = await expectRefused(response, unauthorized, value.slice(0, 60));
      expect(JSON.stringify(body)).not.toContain(TEST_API_KEY);
      expect(JSON.stringify(body)).not.toContain("kkkk");
    }
  });
});

describe("headers over settings.maxHeaderBytes", () => {
  const tooLarge = { status: 431, code: -32000, dataCode: "LIMIT_EXCEEDED" };

  it("refuses a 100 KB header with 431 naming maxHeaderBytes, on every method and endpoint, before authentication", async () => {
    const big = "h".repeat(100 * 1024);
    const answers = [
      postRaw(PING, { "x-big": big }),
      postRaw(LIST, { ...healthy.headers, "x-big": big }),
      postRaw(PING, { "x-big": big }, "/mcp/coder"),
      postRaw(PING, { "x-big": big, authorization: "" }),
      postModern("tools/call", { name: "fx__echo", arguments: { text: "x" } }, { headers: { "x-big": big } }),
      ...getAndDelete([
        ["mcp-session-id", healthy.sessionId],
        ["x-big", big],
      ]),
    ];
    for (const response of await Promise.all(answers)) {
      const body = await expectRefused(response, tooLarge);
      expect(body.error?.data).toMatchObject({ limit: "maxHeaderBytes", max: 32768 });
    }
    expect(await toolCallsForwarded()).toEqual([]);
  });

  it("adds up many small headers, and the oversized value may sit in any header the gateway reads", async () => {
    const many = Array.from({ length: 400 }, (_, i) => [`x-h${i}`, "v".repeat(100)] as [string, string]);
    await expectRefused(await postRaw(PING, many), tooLarge, "400 headers");
    for (const name of ["mcp-session-id", "mcp-protocol-version", "accept", "authorization", "x-mcp-agent", "origin"]) {
      await expectRefused(await postRaw(PING, { [name]: "v".repeat(40_000) }), tooLarge, name);
    }
  });

  it("takes headers that total exactly settings.maxHeaderBytes, names and values, and refuses one byte more", async () => {
    await putSettings({ maxHeaderBytes: 1024 });
    await forgetCaches();
    const send = (padding: number) => {
      const headers = new Headers({
        authorization: `Bearer ${TEST_API_KEY}`,
        "content-type": "application/json",
        accept: ACCEPT_BOTH,
        "x-pad": "",
      });
      // The runtime adds Content-Length for a body of known length; it is a header like the others.
      let total = "content-length".length + String(PING.length).length;
      for (const [name, value] of headers) total += name.length + value.length;
      headers.set("x-pad", "p".repeat(1024 - total + padding));
      return gatewayFetch("/mcp", { method: "POST", headers, body: PING });
    };
    const exact = await wellFormed(await send(0));
    expect(exact.messages).toEqual([{ jsonrpc: "2.0", id: "ping", result: {} }]);
    const body = await expectRefused(await send(1), tooLarge);
    expect(body.error?.data).toMatchObject({ limit: "maxHeaderBytes", max: 1024 });
  });

  it("does not count the body: a large body with small headers is served", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: "big-body", method: "ping", params: { x: "b".repeat(200_000) } });
    const answer = await wellFormed(await postRaw(body));
    expect(answer.messages).toEqual([{ jsonrpc: "2.0", id: "big-body", result: {} }]);
  });
});

describe("MCP-Protocol-Version values no revision has", () => {
  const unsupported = { status: 400, code: -32000, dataCode: "UNSUPPORTED_PROTOCOL_VERSION" };

  /** The refusal of a legacy session's request carrying this header value; its id is checked elsewhere. */
  async function refusal(value: string | Array<[string, string]>, what: string) {
    const headers = typeof value === "string" ? { ...healthy.headers, "mcp-protocol-version": value } : value;
    const { status, body } = await refusedWith(await postRaw(LIST, headers));
    const where = `${what}: ${JSON.stringify(body)}`;
    expect(status, where).toBe(unsupported.status);
    expect(body.error, where).toMatchObject({
      code: unsupported.code,
      data: { code: unsupported.dataCode, supported: LEGACY_VERSIONS },
    });
    return body;
  }

  it("refuses them in a legacy session with 400 UNSUPPORTED_PROTOCOL_VERSION, listing the supported ones", async () => {
    for (const value of ["1.0", "", "2025-13-45", "2024-11-05", "0000-00-00", "2025-06-18;q=1"]) {
      await refusal(value, JSON.stringify(value));
    }
    const twice: Array<[string, string]> = [
      ["mcp-session-id", healthy.sessionId],
      ["mcp-protocol-version", "2025-06-18"],
      ["mcp-protocol-version", "2025-06-18"],
    ];
    await refusal(twice, "sent twice");
  });

  it("refuses words in place of a revision in a legacy session the same way, not as a current-era envelope", async () => {
    for (const value of ["garbage", "latest", "v2025-06-18", "x".repeat(10_000)])
      await refusal(value, value.slice(0, 40));
  });

  it("names the refused request's id", async () => {
    const body = await refusal("1.0", "1.0");
    expect(body.id).toBe("list");
  });
});

describe("a current-era envelope naming no revision the gateway serves", () => {
  it("gets 400 -32022 UNSUPPORTED_PROTOCOL_VERSION about the request, not a session error", async () => {
    for (const version of ["banana", "1.0", "2099-01-01"]) {
      const request = modernRequest("tools/list", { _meta: { [META_VERSION]: version } }, `v-${version}`);
      const headers = { ...mirroredHeaders("tools/list", {}), "mcp-protocol-version": version };
      const { status, body } = await refusedWith(await postRaw(JSON.stringify(request), headers));
      expect(status, version).toBe(400);
      expect(body.id, version).toBe(`v-${version}`);
      expect(body.error, version).toMatchObject({
        code: -32022,
        data: { code: "UNSUPPORTED_PROTOCOL_VERSION", requested: version },
      });
    }
  });
});

describe("the current era's mirrored headers, bent", () => {
  const call = { name: "fx__echo", arguments: { text: "mirrored" } };
  const body = JSON.stringify(modernRequest("tools/call", call, "bent"));
  const good = mirroredHeaders("tools/call", call);
  const mismatch = (header: string) => ({ status: 400, code: -32020, dataCode: "HEADER_MISMATCH", id: "bent", header });

  it("refuses a missing, duplicated, garbled or contradicting header with 400 -32020 HEADER_MISMATCH naming it", async () => {
    const cases: Array<[string, Array<[string, string]>, string]> = [
      ["no MCP-Protocol-Version", without(good, "mcp-protocol-version"), "MCP-Protocol-Version"],
      ["MCP-Protocol-Version twice", [...pairs(good), ["mcp-protocol-version", "2026-07-28"]], "MCP-Protocol-Version"],
      ["a legacy MCP-Protocol-Version", replaced(good, "mcp-protocol-version", "2025-06-18"), "MCP-Protocol-Version"],
      ["a garbage MCP-Protocol-Version", replaced(good, "mcp-protocol-version", "garbage"), "MCP-Protocol-Version"],
      ["no Mcp-Method", without(good, "mcp-method"), "Mcp-Method"],
      ["Mcp-Method twice", [...pairs(good), ["mcp-method", "tools/call"]], "Mcp-Method"],
      ["another Mcp-Method", replaced(good, "mcp-method", "tools/list"), "Mcp-Method"],
      ["no Mcp-Name", without(good, "mcp-name"), "Mcp-Name"],
      ["Mcp-Name twice", [...pairs(good), ["mcp-name", "fx__echo"]], "Mcp-Name"],
      ["an Mcp-Name naming another tool", replaced(good, "mcp-name", "fx__hang"), "Mcp-Name"],
      ["a broken base64 Mcp-Name", replaced(good, "mcp-name", "=?base64?***?="), "Mcp-Name"],
      ["a base64 Mcp-Name that is not UTF-8", replaced(good, "mcp-name", "=?base64?/w==?="), "Mcp-Name"],
      ["a 20 KB Mcp-Name", replaced(good, "mcp-name", "n".repeat(20_000)), "Mcp-Name"],
    ];
    for (const [what, headers, header] of cases) {
      const refused = await expectRefused(await postRaw(body, headers), mismatch(header), what);
      expect(refused.error?.data?.["header"], what).toBe(header);
    }
    expect(await toolCallsForwarded()).toEqual([]);
  });
});

describe("Accept and Content-Type, bent", () => {
  it("refuses bodies that are not declared application/json with 415, and takes the type in any case", async () => {
    const wrong = [
      "text/json",
      "application/jsonx",
      "application/json-patch+json",
      "application/json, application/json",
    ];
    for (const type of wrong) {
      await expectRefused(await postRaw(PING, { "content-type": type }), {
        status: 415,
        code: -32000,
        dataCode: "UNSUPPORTED_MEDIA_TYPE",
      });
    }
    const none = await gatewayFetch("/mcp", {
      method: "POST",
      headers: { accept: ACCEPT_BOTH },
      body: new Uint8Array(),
    });
    await expectRefused(none, { status: 415, code: -32000, dataCode: "UNSUPPORTED_MEDIA_TYPE" }, "no Content-Type");
    const upper = await wellFormed(await postRaw(PING, { "content-type": "APPLICATION/JSON" }));
    expect(upper.messages).toEqual([{ jsonrpc: "2.0", id: "ping", result: {} }]);
  });

  it("takes a POST without Accept as accepting anything, in a session and in the current era", async () => {
    const noAccept = (headers: Record<string, string>) => ({ "content-type": "application/json", ...headers });
    const legacy = await gatewayFetch("/mcp", { method: "POST", headers: noAccept(healthy.headers), body: LIST });
    expect((await wellFormed(legacy)).messages[0]?.result?.["tools"]).toHaveLength(tools.length);
    const call = { name: "fx__echo", arguments: { text: "no accept" } };
    const modern = await gatewayFetch("/mcp", {
      method: "POST",
      headers: noAccept(mirroredHeaders("tools/call", call)),
      body: JSON.stringify(modernRequest("tools/call", call, "no-accept")),
    });
    expect((await wellFormed(modern)).messages[0]?.result?.["content"]).toEqual([{ type: "text", text: "no accept" }]);
  });

  it("negotiates a 20 KB Accept and refuses one that allows nothing the gateway speaks with 406", async () => {
    const noise = Array.from({ length: 1500 }, (_, i) => `text/x-${i};q=0.${i % 10}`).join(", ");
    expect(noise.length).toBeGreaterThan(20_000);
    const json = await wellFormed(await postRaw(PING, { accept: `${noise}, application/json` }));
    expect(json.contentType).toMatch(/^application\/json/);
    expect(json.messages).toEqual([{ jsonrpc: "2.0", id: "ping", result: {} }]);
    const refused = { status: 406, code: -32000, dataCode: "NOT_ACCEPTABLE" };
    await expectRefused(await postRaw(PING, { accept: noise }), refused, "noise only");
    await expectRefused(await postRaw(PING, { accept: "application/json;q=0, text/event-stream;q=0" }), refused, "q=0");
  });
});

describe("X-MCP-Agent, Origin and Last-Event-ID, bent", () => {
  it("refuses a sub-agent that is no valid name, or one not delegated, with 403 FORBIDDEN_DELEGATION", async () => {
    const refused = { status: 403, code: -32000, dataCode: "FORBIDDEN_DELEGATION" };
    for (const agent of ["__proto__", "constructor", "../tester", "tester, tester", "TESTER", "a".repeat(5000), ""]) {
      const body = await expectRefused(await postRaw(PING, { "x-mcp-agent": agent }), refused, agent.slice(0, 40));
      expect(body.error?.data?.["agent"]).toBe("tester");
    }
  });

  it("refuses a foreign, bent or repeated Origin with 403, even next to an allowed one", async () => {
    await putSettings({ allowedOrigins: ["https://app.example"] });
    await forgetCaches();
    const refused = { status: 403, code: -32000, dataCode: "FORBIDDEN_ORIGIN" };
    for (const origin of ["null", "https://app.example.evil", "HTTPS://APP.EXAMPLE", "https://app.example/", "*"]) {
      await expectRefused(await postRaw(PING, { origin }), refused, origin);
    }
    const twice: Array<[string, string]> = [
      ["origin", "https://app.example"],
      ["origin", "https://evil.example"],
    ];
    await expectRefused(await postRaw(PING, twice), refused, "twice");
    const allowed = await wellFormed(await postRaw(PING, { origin: "https://app.example" }));
    expect(allowed.status).toBe(200);
  });

  it("opens an event stream for a GET whose Last-Event-ID is garbage", async () => {
    for (const lastEventId of ["../../x", "__proto__", "-1", "1-", "1-1 OR 1=1", "x".repeat(10_000)]) {
      const response = await gatewayFetch("/mcp", {
        headers: { ...healthy.headers, accept: "text/event-stream", "last-event-id": lastEventId },
      });
      expect(response.status, lastEventId.slice(0, 40)).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = new SseReader(response);
      const first = await reader.next(5000);
      await reader.cancel();
      expect(first, lastEventId.slice(0, 40)).not.toBe("timeout");
    }
  });
});

describe("/healthz", () => {
  it("answers GET with its small JSON whatever the headers, and other methods with 404 or 405, never 500", async () => {
    const bent: Array<Record<string, string>> = [
      { "x-big": "h".repeat(100 * 1024) },
      { accept: "text/html" },
      { authorization: "garbage" },
    ];
    for (const headers of bent) {
      const response = await gatewayFetch("/healthz", { headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await gatewayFetch("/healthz", { method, body: method === "DELETE" ? null : "{" });
      expect([404, 405], method).toContain(response.status);
      await response.body?.cancel();
    }
  });
});

function pairs(headers: Record<string, string>): Array<[string, string]> {
  return Object.entries(headers);
}

function without(headers: Record<string, string>, name: string): Array<[string, string]> {
  return pairs(headers).filter(([key]) => key !== name);
}

function replaced(headers: Record<string, string>, name: string, value: string): Array<[string, string]> {
  return [...without(headers, name), [name, value]];
}
