// The Streamable HTTP endpoint as a client meets it: every status and error the Worker
// and the session answer with before any upstream is involved, plus initialize and ping.
import { beforeEach, describe, expect, it } from "vitest";
import {
  ACCEPT_BOTH,
  GatewayClient,
  gatewayFetch,
  initializeRequest,
  postMcp,
  unknownSessionId,
  type RpcResponse,
} from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

const ping = (id: string | number = 1) => ({ jsonrpc: "2.0", id, method: "ping" });

async function errorOf(response: Response): Promise<RpcResponse> {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return response.json<RpcResponse>();
}

describe("the /mcp endpoint", () => {
  let tenant: FixtureTenant;

  beforeEach(async () => {
    tenant = FixtureTenant.create("endpoint");
    await seedConfig({ servers: { fx: { url: tenant.url } } });
  });

  describe("before any session", () => {
    it("refuses a POST whose Accept allows neither JSON nor an event stream with 406", async () => {
      const response = await postMcp(initializeRequest(), { accept: "text/html" });
      expect(response.status).toBe(406);
      const body = await errorOf(response);
      expect(body.error).toMatchObject({ code: -32000, data: { code: "NOT_ACCEPTABLE" } });
    });

    it("refuses a GET whose Accept does not allow an event stream with 406", async () => {
      const client = await GatewayClient.connect();
      const response = await gatewayFetch("/mcp", {
        headers: { ...client.headers, accept: "application/json" },
      });
      expect(response.status).toBe(406);
      expect((await errorOf(response)).error?.data?.code).toBe("NOT_ACCEPTABLE");
    });

    it("refuses a body that is not application/json with 415", async () => {
      const response = await postMcp(initializeRequest(), { "content-type": "text/plain" });
      expect(response.status).toBe(415);
      expect((await errorOf(response)).error).toMatchObject({ data: { code: "UNSUPPORTED_MEDIA_TYPE" } });
    });

    it("accepts application/json with parameters such as charset", async () => {
      const response = await postMcp(initializeRequest(), { "content-type": "application/json; charset=utf-8" });
      expect(response.status).toBe(200);
    });

    it("refuses a body over settings.maxBodyBytes with 413, whether its length is announced or not", async () => {
      await seedConfig({ servers: { fx: { url: tenant.url } }, settings: { maxBodyBytes: 1024 } });
      const big = JSON.stringify({ ...initializeRequest(), padding: "x".repeat(2000) });

      const announced = await postMcp(big);
      expect(announced.status).toBe(413);
      expect((await errorOf(announced)).error).toMatchObject({ data: { code: "PAYLOAD_TOO_LARGE", limit: 1024 } });

      const streamed = await gatewayFetch("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: ACCEPT_BOTH },
        body: new Blob([big]).stream(),
      });
      expect(streamed.status).toBe(413);
      expect((await errorOf(streamed)).error?.data?.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("answers a body that is not JSON with a -32700 parse error and HTTP 400", async () => {
      const response = await postMcp("{ this is not json");
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    });

    it("answers JSON that is no JSON-RPC message with -32600 and HTTP 400, naming the id when it can", async () => {
      const response = await postMcp({ jsonrpc: "1.0", id: 7, method: "ping" });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ id: 7, error: { code: -32600 } });

      const empty = await postMcp([]);
      expect(empty.status).toBe(400);
      expect((await errorOf(empty)).error?.code).toBe(-32600);
    });

    it("asks for the Mcp-Session-Id header with 400 when a request comes without one", async () => {
      const response = await postMcp({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error).toMatchObject({ code: -32000, data: { code: "SESSION_REQUIRED" } });

      const get = await gatewayFetch("/mcp", { headers: { accept: "text/event-stream" } });
      expect(get.status).toBe(400);
      const del = await gatewayFetch("/mcp", { method: "DELETE" });
      expect(del.status).toBe(400);
    });

    it("answers ping before any session exists, since ping works at any time", async () => {
      const response = await postMcp(ping("early"));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ jsonrpc: "2.0", id: "early", result: {} });
    });

    it("answers ping without a session", async () => {
      const response = await postMcp(ping("no-session"));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ jsonrpc: "2.0", id: "no-session", result: {} });
      expect(response.headers.get("mcp-session-id")).toBeNull();
    });

    it("answers 404 for a session id that no session has, well-formed or not", async () => {
      for (const sessionId of [unknownSessionId(), "not-a-session-id"]) {
        const response = await postMcp(ping(), { "mcp-session-id": sessionId });
        expect(response.status).toBe(404);
        expect((await errorOf(response)).error).toMatchObject({ data: { code: "SESSION_NOT_FOUND" } });
      }
      const get = await gatewayFetch("/mcp", {
        headers: { accept: "text/event-stream", "mcp-session-id": unknownSessionId() },
      });
      expect(get.status).toBe(404);
      const del = await gatewayFetch("/mcp", { method: "DELETE", headers: { "mcp-session-id": unknownSessionId() } });
      expect(del.status).toBe(404);
    });

    it("refuses initialize inside a batch", async () => {
      const response = await postMcp([initializeRequest(), ping()]);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error?.code).toBe(-32600);
    });

    it("answers other HTTP methods with 405 and says which are allowed", async () => {
      const response = await gatewayFetch("/mcp", { method: "PUT", body: "{}" });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST, DELETE, OPTIONS");
    });

    it("answers 404 for a virtual server that does not exist", async () => {
      const response = await postMcp(initializeRequest(), {}, "/mcp/no-such-server");
      expect(response.status).toBe(404);
      expect((await errorOf(response)).error).toMatchObject({ data: { code: "NOT_FOUND" } });
    });

    it("answers paths outside /mcp with 404", async () => {
      const response = await gatewayFetch("/elsewhere");
      expect(response.status).toBe(404);
    });
  });

  describe("Origin and Host checks", () => {
    it("refuses a browser Origin outside settings.allowedOrigins with 403, and serves an allowed one", async () => {
      await seedConfig({
        servers: { fx: { url: tenant.url } },
        settings: { allowedOrigins: ["https://app.example"] },
      });
      const foreign = await postMcp(initializeRequest(), { origin: "https://evil.example" });
      expect(foreign.status).toBe(403);
      expect((await errorOf(foreign)).error).toMatchObject({ data: { code: "FORBIDDEN_ORIGIN" } });

      const allowed = await postMcp(initializeRequest(), { origin: "https://app.example" });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(allowed.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
    });

    it("refuses any browser Origin when settings.allowedOrigins is empty, but not clients that send none", async () => {
      const browser = await postMcp(initializeRequest(), { origin: "http://localhost:6274" });
      expect(browser.status).toBe(403);
      const cli = await postMcp(initializeRequest());
      expect(cli.status).toBe(200);
    });

    it("accepts any browser Origin when settings.allowedOrigins holds '*'", async () => {
      await seedConfig({ servers: { fx: { url: tenant.url } }, settings: { allowedOrigins: ["*"] } });
      const response = await postMcp(initializeRequest(), { origin: "https://anywhere.example" });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
    });

    it("answers a CORS preflight from an allowed origin, and refuses one from a foreign origin", async () => {
      await seedConfig({
        servers: { fx: { url: tenant.url } },
        settings: { allowedOrigins: ["https://app.example"] },
      });
      const preflight = (origin: string) =>
        gatewayFetch("/mcp", {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, mcp-session-id, mcp-protocol-version",
          },
        });
      const allowed = await preflight("https://app.example");
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
      expect(allowed.headers.get("access-control-allow-headers")).toContain("mcp-session-id");
      expect(allowed.headers.get("access-control-allow-headers")).toContain("mcp-protocol-version");

      const foreign = await preflight("https://evil.example");
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("refuses a Host outside settings.allowedHosts with 403, whatever its port", async () => {
      await seedConfig({ servers: { fx: { url: tenant.url } }, settings: { allowedHosts: ["localhost"] } });
      const foreign = await postMcp(initializeRequest());
      expect(foreign.status).toBe(403);
      expect((await errorOf(foreign)).error).toMatchObject({ data: { code: "FORBIDDEN_HOST" } });

      const local = await gatewayFetch("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: ACCEPT_BOTH, host: "localhost:8787" },
        body: JSON.stringify(initializeRequest()),
      });
      expect(local.status).toBe(200);
    });
  });

  describe("initialize", () => {
    it("answers with the client's version, the union of the upstreams' capabilities and the gateway's info", async () => {
      const response = await postMcp(initializeRequest("2025-06-18", "init-1"));
      expect(response.status).toBe(200);
      expect(response.headers.get("mcp-session-id")).toMatch(/^[0-9a-f]{64}$/);
      expect(await response.json()).toEqual({
        jsonrpc: "2.0",
        id: "init-1",
        result: {
          protocolVersion: "2025-06-18",
          // List changes are relayed from every upstream; no fixture upstream supports subscriptions.
          capabilities: {
            tools: { listChanged: true },
            prompts: { listChanged: true },
            resources: { listChanged: true },
            logging: {},
          },
          serverInfo: { name: "mcp-edge-gateway", version: expect.any(String) },
        },
      });
    });

    it("offers its latest version when the client asks for one it does not know", async () => {
      const response = await postMcp(initializeRequest("2099-01-01"));
      const body = await response.json<RpcResponse>();
      expect(body.result?.["protocolVersion"]).toBe("2025-11-25");
    });

    it("advertises tools only when no upstream is registered", async () => {
      await seedConfig({});
      const client = await GatewayClient.connect();
      expect(client.initializeResult["capabilities"]).toEqual({ tools: { listChanged: true } });
      expect(await client.tools()).toEqual([]);
    });

    it("answers as an event stream when the client accepts only text/event-stream", async () => {
      const response = await postMcp(initializeRequest(), { accept: "text/event-stream" });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const text = await response.text();
      const data = /^data: (.*)$/m.exec(text)?.[1];
      expect(JSON.parse(data!)).toMatchObject({ id: 0, result: { protocolVersion: "2025-06-18" } });
    });
  });

  describe("inside a session", () => {
    it("answers ping with an empty result", async () => {
      const client = await GatewayClient.connect();
      expect(await client.rpc("ping")).toEqual({ jsonrpc: "2.0", id: expect.any(Number), result: {} });
    });

    it("answers an unknown method with -32601", async () => {
      const client = await GatewayClient.connect();
      const error = await client.error("tools/frobnicate");
      expect(error).toMatchObject({ code: -32601, data: { code: "METHOD_NOT_FOUND", method: "tools/frobnicate" } });
    });

    it("answers notifications and responses from the client with 202 and no body", async () => {
      const client = await GatewayClient.connect();
      const notification = await client.post({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 99 },
      });
      expect(notification.status).toBe(202);
      expect(await notification.text()).toBe("");

      const response = await client.post({ jsonrpc: "2.0", id: "server-asked-1", result: {} });
      expect(response.status).toBe(202);
      const errorReply = await client.post({
        jsonrpc: "2.0",
        id: "server-asked-2",
        error: { code: -1, message: "no" },
      });
      expect(errorReply.status).toBe(202);
    });

    it("refuses an unsupported MCP-Protocol-Version header with 400", async () => {
      const client = await GatewayClient.connect();
      const response = await client.post(ping(), { "mcp-protocol-version": "1999-01-01" });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error).toMatchObject({
        code: -32000,
        data: { code: "UNSUPPORTED_PROTOCOL_VERSION", supported: ["2025-11-25", "2025-06-18", "2025-03-26"] },
      });
    });

    it("takes a request without the MCP-Protocol-Version header", async () => {
      const client = await GatewayClient.connect();
      const response = await postMcp(ping(), { "mcp-session-id": client.sessionId });
      expect(response.status).toBe(200);
    });

    it("refuses batches in a 2025-06-18 session", async () => {
      const client = await GatewayClient.connect("2025-06-18");
      const response = await client.post([ping(1), ping(2)]);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).error).toMatchObject({ code: -32600, data: { code: "BATCH_NOT_SUPPORTED" } });
    });

    it("answers batches in a 2025-03-26 session, one answer per request and none for notifications", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      const response = await client.post([
        ping(1),
        { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } },
        { jsonrpc: "2.0", id: 2, method: "no/such/method" },
      ]);
      expect(response.status).toBe(200);
      const answers = await response.json<RpcResponse[]>();
      expect(answers).toHaveLength(2);
      expect(answers.find((a) => a.id === 1)).toMatchObject({ result: {} });
      expect(answers.find((a) => a.id === 2)).toMatchObject({ error: { code: -32601 } });
    });

    it("answers the good entries of a batch and names the malformed ones", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      const response = await client.post([ping(1), { jsonrpc: "2.0", id: 5, method: 42 }]);
      expect(response.status).toBe(200);
      const answers = await response.json<RpcResponse[]>();
      expect(answers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 1, result: {} }),
          expect.objectContaining({ id: 5, error: expect.objectContaining({ code: -32600 }) }),
        ]),
      );
    });

    it("answers a batch of only notifications with 202", async () => {
      const client = await GatewayClient.connect("2025-03-26");
      const response = await client.post([
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
        { jsonrpc: "2.0", method: "notifications/roots/list_changed" },
      ]);
      expect(response.status).toBe(202);
    });

    it("answers a request as an event stream when the client accepts only text/event-stream", async () => {
      const client = await GatewayClient.connect();
      const response = await client.post(ping(3), { accept: "text/event-stream" });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const data = /^data: (.*)$/m.exec(await response.text())?.[1];
      expect(JSON.parse(data!)).toEqual({ jsonrpc: "2.0", id: 3, result: {} });
    });
  });
});
