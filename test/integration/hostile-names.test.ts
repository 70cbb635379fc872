// Path traversal wherever a name or path is read: request paths under /mcp, tool and
// prompt names, resource URIs (routing and policy), and KV keys whose names try to climb
// (`server:../evil`, `vs:..`). A name is only ever looked up as the exact string it is:
// nothing climbs into another server, virtual server or resource a rule hides, bad keys
// are skipped and reported, and the rest of the configuration keeps working.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { GatewayClient, initializeRequest, postMcp } from "./support/client.js";
import { forgetCaches, seedConfig, TEST_AGENT } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";
import { expectRefused, expectSessionsWork, wellFormed } from "./support/hostile.js";

const FX_TOOLS = ["echo", "fail", "../../etc/passwd", "..", "a/../b"];

let fx: FixtureTenant;
let fy: FixtureTenant;
let healthy: GatewayClient;

beforeEach(async () => {
  fx = FixtureTenant.create("names-fx");
  fy = FixtureTenant.create("names-fy");
  await fx.configure({ tools: FX_TOOLS });
  await fy.configure({ tools: ["echo", "fail"] });
  await seedConfig({
    servers: { fx: { url: fx.url }, fy: { url: fy.url } },
    virtualServers: { coder: { servers: ["fx"], agents: ["*"] } },
  });
  healthy = await GatewayClient.connect();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await expectSessionsWork(healthy);
});

/** Requests of a method that reached a tenant. */
async function reached(tenant: FixtureTenant, method: string) {
  return (await tenant.stats()).requests.filter((r) => r.method === method);
}

describe("request paths", () => {
  it("answers paths that climb out of /mcp with the plain 404, and opens no session there", async () => {
    for (const path of [
      "/mcp/../x",
      "/mcp/%2e%2e",
      "/mcp/%2e%2e/x",
      "/mcp/.%2e/x",
      "/mcp/coder/extra",
      "/mcp/coder/..",
    ]) {
      const response = await postMcp(initializeRequest(), {}, path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("mcp-session-id"), path).toBeNull();
      expect(await response.json(), path).toEqual({ error: "Not Found: the MCP endpoint is /mcp" });
    }
  });

  it("looks a virtual server up by its exact decoded name: encoded slashes, dots and prototype names are unknown", async () => {
    const names: Record<string, string> = {
      "/mcp/a%2fb": "a/b",
      "/mcp/..%2fx": "../x",
      "/mcp/%2e%2e%2fx": "../x",
      "/mcp/coder%2f..%2f..%2fx": "coder/../../x",
      "/mcp/coder%2f": "coder/",
      "/mcp/coder%00": "coder\u0000",
      "/mcp/coder%20": "coder ",
      "/mcp/CODER": "CODER",
      "/mcp/%252e%252e": "%2e%2e",
      "/mcp/__proto__": "__proto__",
      "/mcp/constructor": "constructor",
      "/mcp/toString": "toString",
      "/mcp/hasOwnProperty": "hasOwnProperty",
    };
    for (const [path, name] of Object.entries(names)) {
      const response = await postMcp(initializeRequest(), {}, path);
      expect(response.headers.get("mcp-session-id"), path).toBeNull();
      const body = await expectRefused(response, { status: 404, code: -32000, dataCode: "NOT_FOUND" }, path);
      expect(body.error?.data?.["virtualServer"], path).toBe(name);
    }
    const served = await postMcp(initializeRequest(), {}, "/mcp/coder");
    expect(served.status).toBe(200);
    await served.body?.cancel();
  });

  it("does not let a virtual server's session be used through another path", async () => {
    const session = await GatewayClient.open({ path: "/mcp/coder" });
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const headers = { "mcp-session-id": session.sessionId };
    await expectRefused(await postMcp(list, headers, "/mcp"), {
      status: 404,
      code: -32000,
      dataCode: "SESSION_NOT_FOUND",
    });
    await expectRefused(await postMcp(list, headers, "/mcp/coder%2f"), {
      status: 404,
      code: -32000,
      dataCode: "NOT_FOUND",
    });
    expect(await session.toolNames()).toEqual(FX_TOOLS.map((t) => `fx__${t}`));
  });
});

describe("tool and prompt names", () => {
  it("refuses names that try to climb into another tool or server with TOOL_NOT_FOUND, and calls nothing", async () => {
    const client = await GatewayClient.connect();
    const names = [
      "../../etc/passwd",
      "fx__../fy__echo",
      "fy__../fx__fail",
      "fx__echo/../fail",
      "fx__./echo",
      "fx__echo/.",
      "everything__../x",
      "fx__%2e%2e",
      "fx__echo\u0000",
      "fx__ECHO",
      "FX__echo",
      "fx__echo ",
      "fx/echo",
      "fx__",
      "__",
    ];
    for (const name of names) {
      const error = await client.error("tools/call", { name, arguments: { text: "climb" } });
      expect(error, JSON.stringify(name)).toMatchObject({ code: -32602, data: { code: "TOOL_NOT_FOUND", name } });
    }
    for (const name of ["fx__../greeting", "../fx__greeting", "fx__greeting/..", "fy__../fx__greeting"]) {
      const error = await client.error("prompts/get", { name, arguments: { who: "x" } });
      expect(error, name).toMatchObject({ code: -32602, data: { code: "NOT_FOUND", name } });
    }
    expect(await reached(fx, "tools/call")).toEqual([]);
    expect(await reached(fy, "tools/call")).toEqual([]);
    expect([...(await reached(fx, "prompts/get")), ...(await reached(fy, "prompts/get"))]).toEqual([]);
  });

  it("relays a listed name that looks like a path to its own server, exactly as the upstream spelled it", async () => {
    const client = await GatewayClient.connect();
    for (const original of ["../../etc/passwd", "..", "a/../b"]) {
      expect(await client.callText(`fx__${original}`)).toBe(`${fx.name}/${original}`);
    }
    expect((await reached(fx, "tools/call")).map((r) => r.tool)).toEqual(["../../etc/passwd", "..", "a/../b"]);
    expect(await reached(fy, "tools/call")).toEqual([]);
  });
});

describe("resource URIs", () => {
  it("does not route a URI whose dot segments climb from one server's namespace into another's", async () => {
    const client = await GatewayClient.connect();
    for (const uri of [
      `fixture://${fx.name}/../${fy.name}/readme`,
      `fixture://${fx.name}/items/../../${fy.name}/readme`,
      `fixture://${fx.name}/./../${fy.name}/readme`,
    ]) {
      // Policy matches URIs as written, so a URI an upstream could normalize elsewhere is refused outright.
      const error = await client.error("resources/read", { uri });
      expect(error, uri).toMatchObject({ code: -32602, data: { code: "INVALID_PARAMS" } });
      expect(error.message, uri).toContain("'..'");
    }
    expect([...(await reached(fx, "resources/read")), ...(await reached(fy, "resources/read"))]).toEqual([]);
  });

  /** One resource server, so that any URI may be routed to it; the agent's rules decide. */
  async function oneServerWith(rules: Record<string, unknown>) {
    await seedConfig({ servers: { fx: { url: fx.url } }, agents: { [TEST_AGENT]: rules } });
    return GatewayClient.connect();
  }

  /** Reads each URI; each must be refused, and none may reach the upstream. */
  async function expectNoneRead(client: GatewayClient, uris: string[]) {
    for (const uri of uris) {
      const body = await client.rpc("resources/read", { uri });
      expect(body.result, `${uri} was read: ${JSON.stringify(body.result)}`).toBeUndefined();
      expect(["DENIED_BY_POLICY", "INVALID_PARAMS"], uri).toContain(body.error?.data?.code);
    }
    const read = (await reached(fx, "resources/read")).map((r) => r.params?.["uri"]);
    expect(read.filter((uri) => uris.includes(String(uri)))).toEqual([]);
  }

  it("refuses a resource a deny rule names, read directly", async () => {
    const client = await oneServerWith({
      allow: { servers: ["*"] },
      deny: { resources: { fx: [`fixture://${fx.name}/readme`] } },
    });
    await expectNoneRead(client, [`fixture://${fx.name}/readme`]);
  });

  it("holds a deny rule against the same resource spelled with dot segments", async () => {
    const client = await oneServerWith({
      allow: { servers: ["*"] },
      deny: { resources: { fx: [`fixture://${fx.name}/readme`] } },
    });
    await expectNoneRead(client, [
      `fixture://${fx.name}/items/../readme`,
      `fixture://${fx.name}/./readme`,
      `fixture://${fx.name}/items/%2e%2e/readme`,
      `fixture://${fx.name}/items/%2E%2E/readme`,
    ]);
  });

  it("keeps an allow rule's tree closed to percent-encoded dot segments", async () => {
    const client = await oneServerWith({ allow: { resources: { fx: [`fixture://${fx.name}/items/**`] } } });
    expect(await client.uris()).toEqual([]);
    await expectNoneRead(client, [
      `fixture://${fx.name}/items/%2e%2e/readme`,
      `fixture://${fx.name}/items/x/%2E%2E/%2e%2e/readme`,
    ]);
  });

  it("keeps an allow rule's tree closed to literal dot segments", async () => {
    const client = await oneServerWith({ allow: { resources: { fx: [`fixture://${fx.name}/items/**`] } } });
    await expectNoneRead(client, [`fixture://${fx.name}/items/../readme`, `fixture://${fx.name}/items/x/../../readme`]);
    const allowed = await client.result<{ contents: Array<{ text: string }> }>("resources/read", {
      uri: `fixture://${fx.name}/items/42`,
    });
    expect(allowed.contents[0]?.text).toBe("contents of items/42");
  });
});

describe("KV keys whose names climb", () => {
  it("skips and reports every entry under an invalid name, and serves the rest as before", async () => {
    const evil = FixtureTenant.create("names-evil");
    const logs = captureLogs();
    const registration = JSON.stringify({ url: evil.url });
    const open = JSON.stringify({ servers: ["*"], agents: ["*"] });
    const everything = JSON.stringify({ allow: { servers: ["*"], delegates: ["*"] } });
    const bad: Record<string, string> = {
      "server:../evil": registration,
      "server:fx/../evil": registration,
      "server:./fx": registration,
      "server:FX": registration,
      "server:": registration,
      "server:__proto__": registration,
      "vs:..": open,
      "vs:../mcp": open,
      "vs:coder/../evil": open,
      "vs:__proto__": open,
      "agent:../tester": everything,
      "agent:__proto__": everything,
      "agent:..": everything,
      [`apikey:../${"0".repeat(61)}`]: JSON.stringify({ agent: TEST_AGENT }),
    };
    for (const [key, value] of Object.entries(bad)) await env.CONFIG.put(key, value);
    await forgetCaches();

    const client = await GatewayClient.connect();
    const names = await client.toolNames();
    expect(names).toEqual([...FX_TOOLS.map((t) => `fx__${t}`), "fy__echo", "fy__fail"]);
    expect(await client.callText("fx__echo", { text: "still" })).toBe("still");
    for (const name of ["../evil__echo", "evil__echo", "FX__echo", "__proto____echo", "fx/../evil__echo"]) {
      const answer = await client.rpc("tools/call", { name, arguments: { text: "x" } });
      expect(answer.error, name).toBeDefined();
    }
    for (const path of ["/mcp/..%2fmcp", "/mcp/coder%2f..%2fevil", "/mcp/__proto__", "/mcp/..."]) {
      const answer = await wellFormed(await postMcp(initializeRequest(), {}, path), path);
      expect(answer.status, path).toBe(404);
    }
    for (const subAgent of ["../tester", "__proto__", ".."]) {
      const refused = await postMcp(initializeRequest(), { "x-mcp-agent": subAgent });
      expect(refused.status, subAgent).toBe(403);
      await refused.body?.cancel();
    }
    expect((await evil.stats()).requests).toEqual([]);

    const reported = logs.events("config.invalid_entry").map((line) => line["key"]);
    // A key under apikey: that is no hash may be the raw key itself: it is reported without its name.
    for (const key of Object.keys(bad))
      expect(reported, key).toContain(key.startsWith("apikey:") ? "apikey:(name hidden)" : key);
    expect(JSON.stringify(logs.events("config.invalid_entry"))).not.toContain(`apikey:../`);
    expect(JSON.stringify(logs.events("config.invalid_entry"))).not.toContain(evil.url);
  });

  it("serves a virtual server and a registration named like prototype members as ordinary names", async () => {
    await seedConfig({
      servers: { constructor: { url: fx.url }, prototype: { url: fy.url } },
      virtualServers: { constructor: { servers: ["prototype"], agents: ["*"] } },
    });
    const client = await GatewayClient.connect();
    expect(await client.callText("constructor__echo", { text: "c" })).toBe("c");
    expect(await client.callText("prototype__echo", { text: "p" })).toBe("p");
    const vs = await GatewayClient.open({ path: "/mcp/constructor" });
    expect(await vs.toolNames()).toEqual(["prototype__echo", "prototype__fail"]);
    const refused = await postMcp(initializeRequest(), {}, "/mcp/prototype");
    expect(refused.status).toBe(404);
    await refused.body?.cancel();
  });
});
