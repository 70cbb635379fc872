// Who is asking, as a client meets it: API keys (missing, unknown, expired, malformed,
// revoked), the anonymous agent of settings, sessions that belong to whoever opened them,
// and sub-agents a principal narrows itself to with X-MCP-Agent.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { gatewayFetch, initializeRequest, postMcp, TEST_API_KEY } from "./support/client.js";
import { forgetCaches, seedConfig, type Seed } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { AgentSession, initializeAs, refusal } from "./support/agent.js";
import { sha256Hex } from "../../src/observe/hash.js";

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("authentication", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;

  beforeEach(() => {
    a = FixtureTenant.create("auth-a");
    b = FixtureTenant.create("auth-b", "second");
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const seed = (extra: Omit<Seed, "servers"> = {}) =>
    seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } }, ...extra });

  describe("API keys", () => {
    it("refuses a request without a key with 401, a Bearer challenge and a JSON-RPC error", async () => {
      await seed();
      const response = await initializeAs({ key: null });
      const { status, body } = await refusal(response);
      expect(status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      expect(body).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32000, message: expect.stringContaining("Bearer"), data: { code: "UNAUTHORIZED" } },
      });
      expect((await a.stats()).requests).toEqual([]);
    });

    it("answers an unknown key and an expired key with the same 401, byte for byte", async () => {
      await seed({
        apiKeys: {
          "expired-key-0123456789": { agent: "tester", label: "old laptop", expiresAt: iso(Date.now() - HOUR) },
        },
      });
      const unknown = await initializeAs({ key: "unknown-key-0123456789" });
      const expired = await initializeAs({ key: "expired-key-0123456789" });
      expect(unknown.status).toBe(401);
      expect(expired.status).toBe(401);
      expect(expired.headers.get("www-authenticate")).toBe(unknown.headers.get("www-authenticate"));
      expect(unknown.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      const [unknownText, expiredText] = [await unknown.text(), await expired.text()];
      expect(expiredText).toBe(unknownText);
      expect(JSON.parse(expiredText)).toMatchObject({ id: null, error: { data: { code: "UNAUTHORIZED" } } });
      expect(expiredText).not.toMatch(/expired|old laptop|tester/i);
    });

    it("refuses a malformed Authorization header with 401, whatever is wrong with it", async () => {
      await seed();
      const malformed = [
        "Basic dGVzdGVyOnNlY3JldA==",
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Token " + TEST_API_KEY,
        TEST_API_KEY,
        `Bearer ${TEST_API_KEY} ${TEST_API_KEY}`,
        `Bearer ${TEST_API_KEY}x`,
        `Bearer ${"k".repeat(5000)}`,
      ];
      for (const authorization of malformed) {
        const response = await postMcp(initializeRequest(), { authorization });
        const { status, body } = await refusal(response);
        expect(status, authorization.slice(0, 40)).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
        expect(body.error?.data?.code).toBe("UNAUTHORIZED");
      }
    });

    it("accepts a key whose expiresAt is still ahead, and the Bearer scheme in any case", async () => {
      await seed({ apiKeys: { "fresh-key-0123456789": { agent: "tester", expiresAt: iso(Date.now() + HOUR) } } });
      const session = await AgentSession.open({ key: "fresh-key-0123456789" });
      expect(await session.callText("a__echo", { text: "in time" })).toBe("in time");

      const lower = await postMcp(initializeRequest(), { authorization: `bearer ${TEST_API_KEY}` });
      expect(lower.status).toBe(200);
    });

    it("refuses a key from the moment it expires, even inside a session it opened", async () => {
      const start = Date.now();
      const clock = vi.spyOn(Date, "now").mockReturnValue(start);
      await seed({ apiKeys: { "short-lived-0123456789": { agent: "tester", expiresAt: iso(start + HOUR) } } });
      const session = await AgentSession.open({ key: "short-lived-0123456789" });
      expect(await session.names()).toContain("a__echo");

      clock.mockReturnValue(start + HOUR + 1);
      const after = await session.post({ jsonrpc: "2.0", id: 7, method: "tools/list" });
      expect(after.status).toBe(401);
      expect((await refusal(after)).body.error?.data?.code).toBe("UNAUTHORIZED");
    });

    it("refuses a key once its apikey entry is deleted and the configuration reloads", async () => {
      await seed({ apiKeys: { "revoked-key-0123456789": { agent: "tester" } } });
      const session = await AgentSession.open({ key: "revoked-key-0123456789" });
      await env.CONFIG.delete(`apikey:${await sha256Hex("revoked-key-0123456789")}`);
      await forgetCaches();
      const after = await session.post({ jsonrpc: "2.0", id: 7, method: "tools/list" });
      expect(after.status).toBe(401);
    });

    it("needs a key for GET and DELETE too, and a refused DELETE leaves the session alive", async () => {
      await seed();
      const session = await AgentSession.open();
      const anonymous = session.as({ key: null });
      for (const response of [await anonymous.stream(), await anonymous.end()]) {
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
        expect((await refusal(response)).body.error?.data?.code).toBe("UNAUTHORIZED");
      }
      expect(await session.callText("a__echo", { text: "still open" })).toBe("still open");
    });

    it("tells a client without a key nothing about virtual servers: 401 for known and unknown ones alike", async () => {
      await seed({ virtualServers: { known: { servers: ["a"], agents: ["*"] } } });
      const known = await initializeAs({ key: null, path: "/mcp/known" });
      const unknown = await initializeAs({ key: null, path: "/mcp/unknown" });
      expect([known.status, unknown.status]).toEqual([401, 401]);
      expect(await known.text()).toBe(await unknown.text());
    });

    it("never forwards the client's key upstream", async () => {
      await seed();
      const session = await AgentSession.open();
      await session.callText("a__echo", { text: "x" });
      const seen = JSON.stringify((await a.stats()).requests);
      expect(seen.length).toBeGreaterThan(2);
      expect(seen).not.toContain(TEST_API_KEY);
    });
  });

  describe("settings.anonymousAgent", () => {
    const anonymousSeed = () =>
      seed({
        settings: { anonymousAgent: "guest" },
        agents: { guest: { allow: { servers: ["a"] } } },
        apiKeys: { "expired-key-0123456789": { agent: "tester", expiresAt: iso(Date.now() - HOUR) } },
      });

    it("lets a request without a key act as the anonymous agent, with that agent's rights only", async () => {
      await anonymousSeed();
      const guest = await AgentSession.open({ key: null });
      const names = await guest.names();
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n.startsWith("a__"))).toBe(true);
      expect(await guest.callText("a__echo", { text: "hello" })).toBe("hello");
      expect((await guest.call("b__echo")).error).toMatchObject({
        data: { code: "DENIED_BY_POLICY", rule: "agent:guest (no allow rule matches)" },
      });
      expect((await b.stats()).requests).toEqual([]);
    });

    it("still answers an unknown, expired or malformed key with 401", async () => {
      await anonymousSeed();
      for (const authorization of [
        "Bearer unknown-key-0123456789",
        "Bearer expired-key-0123456789",
        "Basic Z3Vlc3Q6",
        "Bearer ",
      ]) {
        const response = await postMcp(initializeRequest(), { authorization });
        expect(response.status, authorization).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      }
    });

    it("lets a valid key act as its own agent", async () => {
      await anonymousSeed();
      const tester = await AgentSession.open();
      const servers = new Set((await tester.names()).map((n) => n.split("__")[0]));
      expect([...servers].sort()).toEqual(["a", "b"]);
    });
  });

  describe("sessions belong to whoever opened them", () => {
    const sessionSeed = () =>
      seed({
        settings: { anonymousAgent: "guest" },
        agents: { other: { allow: { servers: ["*"] } }, guest: { allow: { servers: ["*"] } } },
        apiKeys: {
          "other-key-0123456789": { agent: "other" },
          "tester-second-key-0123456789": { agent: "tester", label: "second" },
        },
      });

    async function expectUnknownTo(session: AgentSession) {
      const post = await session.post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      const stream = await session.stream();
      const end = await session.end();
      for (const response of [post, stream, end]) {
        expect(response.status).toBe(404);
        expect((await refusal(response)).body.error?.data?.code).toBe("SESSION_NOT_FOUND");
      }
    }

    it("is unknown (404) to another agent's key on POST, GET and DELETE, and stays alive for its owner", async () => {
      await sessionSeed();
      const session = await AgentSession.open();
      await expectUnknownTo(session.as({ key: "other-key-0123456789" }));
      expect(await session.callText("a__echo", { text: "mine" })).toBe("mine");
    });

    it("is unknown to the anonymous agent, and an anonymous session is unknown to a key", async () => {
      await sessionSeed();
      const keyed = await AgentSession.open();
      await expectUnknownTo(keyed.as({ key: null }));
      const anonymous = await AgentSession.open({ key: null });
      await expectUnknownTo(anonymous.as({}));
      expect(await keyed.callText("a__echo", { text: "k" })).toBe("k");
      expect(await anonymous.callText("a__echo", { text: "a" })).toBe("a");
    });

    it("works with a second key of the same agent, which may also end it", async () => {
      await sessionSeed();
      const session = await AgentSession.open();
      const second = session.as({ key: "tester-second-key-0123456789" });
      expect(await second.callText("a__echo", { text: "same agent" })).toBe("same agent");
      expect((await second.end()).status).toBe(204);
      expect((await session.post({ jsonrpc: "2.0", id: 1, method: "ping" })).status).toBe(404);
    });
  });

  describe("sub-agents (X-MCP-Agent)", () => {
    beforeEach(async () => {
      await a.configure({ tools: ["echo", "get_user", "delete_user", "list_users"] });
      await b.configure({ tools: ["echo", "search"] });
      await seed({
        agents: {
          lead: {
            allow: { servers: ["a"], delegates: ["helper-*", "reviewer"] },
            deny: { tools: { a: ["delete_*"] }, delegates: ["helper-rogue"] },
          },
          "helper-1": { allow: { servers: ["a", "b"], tools: { a: ["echo", "delete_user", "list_*"] } } },
          "helper-wide": { allow: { servers: ["*"] } },
          "helper-rogue": { allow: { servers: ["*"] } },
          reviewer: { allow: { servers: ["a"] }, deny: { tools: { a: ["echo"] } } },
          stranger: { allow: { servers: ["*"] } },
        },
        apiKeys: { "lead-key-0123456789": { agent: "lead" } },
      });
    });

    const lead = { key: "lead-key-0123456789" };

    it("narrows to a listed sub-agent, whose rights are the intersection with the principal's", async () => {
      expect(await (await AgentSession.open(lead)).names()).toEqual(["a__echo", "a__get_user", "a__list_users"]);

      const helper = await AgentSession.open({ ...lead, subAgent: "helper-1" });
      expect(await helper.names()).toEqual(["a__echo", "a__list_users"]);
      expect(await helper.callText("a__list_users")).toBe(`${a.name}/list_users`);

      // Allowed by the sub-agent, denied by the principal.
      expect((await helper.call("a__delete_user")).error).toMatchObject({
        code: -32014,
        data: { code: "DENIED_BY_POLICY", rule: "agent:lead deny.tools.a[0]", revision: expect.any(String) },
      });
      // Allowed by the principal, not by the sub-agent.
      expect((await helper.call("a__get_user")).error).toMatchObject({
        data: { code: "DENIED_BY_POLICY", rule: "agent:helper-1 allow.tools.a (lists no match for 'get_user')" },
      });
      // A server only the sub-agent allows stays hidden, and is never contacted.
      expect((await helper.call("b__search")).error?.data?.code).toBe("DENIED_BY_POLICY");
      expect((await b.stats()).requests).toEqual([]);
      const called = (await a.stats()).requests.map((r) => r.tool).filter((t) => t !== null);
      expect(called).toEqual(["list_users"]);
    });

    it("never widens rights: a sub-agent allowed everything gets no more than its principal", async () => {
      const wide = await AgentSession.open({ ...lead, subAgent: "helper-wide" });
      expect(await wide.names()).toEqual(["a__echo", "a__get_user", "a__list_users"]);
      expect((await wide.call("a__delete_user")).error?.data?.rule).toBe("agent:lead deny.tools.a[0]");
    });

    it("refuses a sub-agent its rules do not list as delegable with 403 FORBIDDEN_DELEGATION", async () => {
      const refused = [
        { ...lead, subAgent: "stranger" },
        { ...lead, subAgent: "helper-rogue" }, // matches allow.delegates, but deny.delegates wins
        { subAgent: "helper-1" }, // tester may see everything, yet lists no delegates
      ];
      for (const credentials of refused) {
        const { status, body } = await refusal(await initializeAs(credentials));
        expect(status, credentials.subAgent).toBe(403);
        expect(body.error).toMatchObject({
          code: -32000,
          data: { code: "FORBIDDEN_DELEGATION", subAgent: credentials.subAgent },
        });
      }
      // Refused on requests inside an existing session too, not only on initialize.
      const session = await AgentSession.open(lead);
      const inside = await session
        .as({ ...lead, subAgent: "stranger" })
        .post({ jsonrpc: "2.0", id: 1, method: "ping" });
      expect(inside.status).toBe(403);
    });

    it("treats narrowing to itself as no narrowing at all", async () => {
      const plain = await AgentSession.open(lead);
      const self = await AgentSession.open({ ...lead, subAgent: "lead" });
      expect(await self.names()).toEqual(await plain.names());
      // Same identity: each session takes requests with or without the header.
      expect(await plain.as({ ...lead, subAgent: "lead" }).callText("a__echo", { text: "1" })).toBe("1");
      expect(await self.as(lead).callText("a__echo", { text: "2" })).toBe("2");
    });

    it("refuses an invalid sub-agent name with 403", async () => {
      for (const subAgent of ["Helper-1", "helper 1", "../lead", "helper-1/x", "h".repeat(64), "-helper"]) {
        const { status, body } = await refusal(await initializeAs({ ...lead, subAgent }));
        expect(status, subAgent).toBe(403);
        expect(body.error?.data?.code).toBe("FORBIDDEN_DELEGATION");
      }
      // Two X-MCP-Agent headers arrive joined into one value, which is no name.
      const headers = new Headers({ "content-type": "application/json", accept: "application/json" });
      headers.set("authorization", "Bearer lead-key-0123456789");
      headers.append("x-mcp-agent", "helper-1");
      headers.append("x-mcp-agent", "reviewer");
      const twice = await gatewayFetch("/mcp", { method: "POST", headers, body: JSON.stringify(initializeRequest()) });
      expect(twice.status).toBe(403);
    });

    it("binds a sub-agent's session to the sub-agent: without the header or as another one it is unknown", async () => {
      const helper = await AgentSession.open({ ...lead, subAgent: "helper-1" });
      for (const other of [helper.as(lead), helper.as({ ...lead, subAgent: "reviewer" })]) {
        const response = await other.post({ jsonrpc: "2.0", id: 1, method: "tools/list" });
        expect(response.status).toBe(404);
      }
      expect(await helper.names()).toEqual(["a__echo", "a__list_users"]);
    });

    it("gives a delegable sub-agent without rules of its own nothing to see", async () => {
      const ghost = await AgentSession.open({ ...lead, subAgent: "helper-ghost" });
      expect(await ghost.list("tools")).toEqual([]);
      expect(await ghost.list("prompts")).toEqual([]);
      expect(await ghost.list("resources")).toEqual([]);
    });

    it("lets browsers send X-MCP-Agent: CORS preflights allow the header", async () => {
      await seed({ settings: { allowedOrigins: ["https://app.example"] } });
      const preflight = await gatewayFetch("/mcp", {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type, x-mcp-agent",
        },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-mcp-agent");
    });
  });
});
