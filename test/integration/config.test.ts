// Configuration from KV as an operator meets it: changes take effect (on reload and on
// the isolate's own refresh), bad entries are skipped and reported without breaking the
// rest, a broken edit keeps the last good version, and secrets stay secret.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { GatewayClient, postMcp, initializeRequest } from "./support/client.js";
import { forgetCaches, putServer, seedConfig } from "./support/config.js";
import { DEFAULT_TOOL_COUNT, FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";

const serversIn = (names: string[]) => [...new Set(names.map((n) => n.split("__")[0]))].sort();

describe("configuration", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;

  beforeEach(() => {
    a = FixtureTenant.create("config-a");
    b = FixtureTenant.create("config-b");
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe("changes", () => {
    it("takes a new registration into account once the isolate reloads", async () => {
      await seedConfig({ servers: { a: { url: a.url } } });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a"]);

      await putServer("b", { url: b.url });
      await forgetCaches();

      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);
      expect(await client.callText("b__echo", { text: "from b" })).toBe("from b");
    });

    it("drops a removed or disabled registration", async () => {
      await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } } });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);

      await putServer("b", { url: b.url, enabled: false });
      await forgetCaches();

      expect(serversIn(await client.toolNames())).toEqual(["a"]);
      expect((await client.call("b__echo")).error?.data?.code).toBe("TOOL_NOT_FOUND");
    });

    it("moves a live session to a registration's new URL, with a new upstream session there", async () => {
      await seedConfig({ servers: { fx: { url: a.url } } });
      const client = await GatewayClient.connect();
      await client.callText("fx__echo", { text: "to a" });

      await putServer("fx", { url: b.url });
      await forgetCaches();

      expect(await client.callText("fx__echo", { text: "to b" })).toBe("to b");
      const [inA, inB] = await Promise.all([a.stats(), b.stats()]);
      expect(inA.requests.filter((r) => r.tool === "echo")).toHaveLength(1);
      expect(inB.initialize).toBe(1);
      expect(inB.requests.filter((r) => r.tool === "echo")).toHaveLength(1);
    });

    it("refreshes by itself after settings.configRefreshSeconds", async () => {
      await seedConfig({ servers: { a: { url: a.url } }, settings: { configRefreshSeconds: 1 } });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a"]);

      await putServer("b", { url: b.url });
      // Past twice the interval a request reloads before answering (no reset here).
      await new Promise((resolve) => setTimeout(resolve, 2200));

      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);
    });

    it("keeps its snapshot within the refresh interval, refreshes in the background after it, and reloads at once past twice it", async () => {
      const start = Date.now();
      const clock = vi.spyOn(Date, "now").mockReturnValue(start);
      await seedConfig({ servers: { a: { url: a.url } } }); // configRefreshSeconds: 5 by default
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a"]);

      await putServer("b", { url: b.url });
      clock.mockReturnValue(start + 4_000);
      expect(serversIn(await client.toolNames())).toEqual(["a"]);

      clock.mockReturnValue(start + 11_000);
      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);

      await putServer("c", { url: FixtureTenant.create("config-c").url });
      // Stale but not expired (between one and two intervals): requests are answered from
      // the snapshot at hand while KV is read again in the background, which then lands.
      clock.mockReturnValue(start + 18_000);
      await expect.poll(async () => serversIn(await client.toolNames())).toEqual(["a", "b", "c"]);
    });
  });

  describe("bad entries", () => {
    it("skips invalid registrations, reports each one, and keeps serving the valid ones", async () => {
      const logs = captureLogs();
      await seedConfig({
        servers: {
          a: { url: a.url },
          ftp: { url: "ftp://example.com/mcp" },
          broken: "{ not json",
          extra: { url: b.url, colour: "blue" },
          "Not A Name": { url: b.url },
        },
      });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a"]);
      expect(await client.callText("a__echo", { text: "still fine" })).toBe("still fine");

      const reported = logs.events("config.invalid_entry");
      expect(reported.map((line) => line["key"]).sort()).toEqual([
        "server:Not A Name",
        "server:broken",
        "server:extra",
        "server:ftp",
      ]);
      for (const line of reported) {
        expect(line).toMatchObject({ level: "warn", keptLastGood: false, problem: expect.any(String) });
      }
      expect(reported.find((line) => line["key"] === "server:broken")?.["problem"]).toBe("not valid JSON");
      // Reported once per revision, not on every request.
      await client.toolNames();
      expect(logs.events("config.invalid_entry")).toHaveLength(4);
    });

    it("answers calls to an invalid registration's tools with INVALID_CONFIG", async () => {
      await seedConfig({ servers: { a: { url: a.url }, ftp: { url: "ftp://example.com/mcp" } } });
      const client = await GatewayClient.connect();
      const response = await client.call("ftp__echo");
      expect(response.error).toMatchObject({ code: -32013, data: { code: "INVALID_CONFIG", server: "ftp" } });
    });

    it("keeps the last good version of a registration that turns invalid, and says so", async () => {
      const start = Date.now();
      const clock = vi.spyOn(Date, "now").mockReturnValue(start);
      await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } } });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);

      const logs = captureLogs();
      await putServer("b", { url: "not a url at all" });
      clock.mockReturnValue(start + 60_000);

      expect(serversIn(await client.toolNames())).toEqual(["a", "b"]);
      expect(await client.callText("b__echo", { text: "last good" })).toBe("last good");
      expect(logs.events("config.invalid_entry")).toEqual([
        expect.objectContaining({ key: "server:b", keptLastGood: true }),
      ]);
    });

    it("falls back to default settings when the settings entry is invalid, and reports it", async () => {
      const logs = captureLogs();
      await seedConfig({ servers: { a: { url: a.url } }, settings: { pageSize: 0 } });
      const client = await GatewayClient.connect();
      const page = await client.result<{ tools: unknown[]; nextCursor?: string }>("tools/list");
      expect(page.tools).toHaveLength(DEFAULT_TOOL_COUNT);
      expect(page.nextCursor).toBeUndefined();
      expect(logs.events("config.invalid_entry")).toEqual([expect.objectContaining({ key: "settings" })]);
    });
  });

  describe("secrets", () => {
    const secret = () => inject("fixtureSecret");

    it("makes a registration that references a missing secret unusable, with INVALID_CONFIG naming the secret", async () => {
      const logs = captureLogs();
      await seedConfig({
        servers: {
          a: { url: a.url },
          locked: { url: b.url, headers: { authorization: "Bearer ${NOT_SET_ANYWHERE}" } },
        },
      });
      const client = await GatewayClient.connect();
      expect(serversIn(await client.toolNames())).toEqual(["a"]);

      const response = await client.call("locked__echo");
      expect(response.error).toMatchObject({ code: -32013, data: { code: "INVALID_CONFIG", server: "locked" } });
      expect(response.error?.message).toContain("NOT_SET_ANYWHERE");
      expect(logs.events("config.invalid_entry")).toEqual([
        expect.objectContaining({ key: "server:locked", problem: expect.stringContaining("NOT_SET_ANYWHERE") }),
      ]);
      expect((await b.stats()).requests).toEqual([]);
    });

    it("sends a referenced secret to its upstream, and never the client's own credentials", async () => {
      await seedConfig({
        servers: { guarded: { url: a.url, headers: { authorization: "Bearer ${FIXTURE_SECRET}", "x-team": "qa" } } },
        // The client's own credential is a real, valid key: it must still stay at the gateway.
        apiKeys: { "client-own-token": { agent: "tester" } },
      });
      const response = await postMcp(initializeRequest(), { authorization: "Bearer client-own-token" });
      const sessionId = response.headers.get("mcp-session-id")!;
      const call = await postMcp(
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "guarded__echo", arguments: { text: "hi" } } },
        { "mcp-session-id": sessionId, authorization: "Bearer client-own-token", cookie: "session=client" },
      );
      expect(call.status).toBe(200);

      const requests = (await a.stats()).requests;
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(request.headers["authorization"]).toBe(`Bearer ${secret()}`);
        expect(request.headers["x-team"]).toBe("qa");
        expect(request.headers["cookie"]).toBeUndefined();
      }
      expect(JSON.stringify(requests)).not.toContain("client-own-token");
    });

    it("never shows a secret's value in an answer or a log line, whatever fails", async () => {
      const logs = captureLogs();
      const headers = { authorization: "Bearer ${FIXTURE_SECRET}" };
      await seedConfig({
        servers: {
          fx: { url: a.url, headers, timeoutMs: 300 },
          gone: { url: `${inject("refusedOrigin")}/gone/mcp`, headers },
          half: { url: b.url, headers: { authorization: "${FIXTURE_SECRET}:${ALSO_NOT_SET}" } },
        },
      });
      const client = await GatewayClient.connect();
      const answers: unknown[] = [client.initializeResult, await client.rpc("tools/list")];
      for (const tool of ["fx__hang", "fx__http500", "fx__garbage", "fx__sse_close", "fx__fail", "gone__echo"]) {
        answers.push(await client.call(tool));
      }
      answers.push(await client.call("half__echo"));

      const seen = JSON.stringify(answers) + logs.raw().join("\n");
      expect(seen).not.toContain(secret());
      // The failures did happen, and were reported with their reasons.
      expect(seen).toContain("TIMEOUT");
      expect(seen).toContain("SERVER_UNAVAILABLE");
      expect(seen).toContain("ALSO_NOT_SET");
    });
  });
});
