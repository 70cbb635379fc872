// The audit trail as an operator reads it from the Workers log: one audit.upstream line
// per upstream call (with the rule that allowed it), one audit.decision line per denial
// or filtered list, with who, what, which rule, which revision, upstream status and
// latency; payloads only where a registration opts in, and then with bearer tokens and
// secrets redacted.
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs, type CapturedLogs, type LogLine } from "./support/logs.js";
import { AgentSession } from "./support/agent.js";
import { initializeRequest, postMcp, TEST_API_KEY } from "./support/client.js";

/** Audit lines name the key by the first 8 hex digits of its hash, never the key. */
const TEST_KEY_ID = createHash("sha256").update(TEST_API_KEY).digest("hex").slice(0, 8);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const LIMITED = { key: "limited-key-0123456789" };

describe("audit lines", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;
  let logs: CapturedLogs;
  let requestCount = 0;

  beforeEach(async () => {
    a = FixtureTenant.create("audit-a");
    b = FixtureTenant.create("audit-b", "second");
    logs = captureLogs();
    await seedConfig({
      servers: {
        a: { url: a.url },
        b: { url: b.url, timeoutMs: 300 },
        p: { url: a.url, auditPayloads: true, headers: { authorization: "Bearer ${FIXTURE_SECRET}" } },
      },
      agents: {
        limited: {
          allow: { servers: ["b"], tools: { a: ["echo"] }, delegates: ["helper"] },
          deny: { tools: { b: ["fail", "hang"] } },
        },
        helper: { allow: { servers: ["*"] } },
      },
      virtualServers: { desk: { servers: ["a"], agents: ["limited", "helper"] } },
      apiKeys: { [LIMITED.key]: { agent: "limited" } },
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Sends one request with a request id of our choosing (the gateway takes cf-ray) and returns its audit lines. */
  async function audited(session: AgentSession, method: string, params: Record<string, unknown>) {
    const requestId = `audit-ray-${++requestCount}`;
    const response = await session.post({ jsonrpc: "2.0", id: requestCount, method, params }, { "cf-ray": requestId });
    expect(response.status).toBe(200);
    const answer = await response.json<{ result?: unknown; error?: { data?: { code?: string } } }>();
    const lines = logs.events().filter((l) => l.event.startsWith("audit.") && l["requestId"] === requestId);
    return { answer, lines, requestId };
  }

  const revision = () => logs.events("config.loaded").at(-1)?.["revision"];
  const only = (lines: LogLine[], event: string) => lines.filter((l) => l.event === event);

  it("writes one upstream line for a tools/call, with the rule that allowed it and the outcome", async () => {
    const session = await AgentSession.open();
    const { answer, lines, requestId } = await audited(session, "tools/call", {
      name: "a__echo",
      arguments: { text: "audited" },
    });
    expect(answer.error).toBeUndefined();
    expect(lines).toHaveLength(1);
    const [upstream] = only(lines, "audit.upstream");
    expect(upstream).toEqual({
      level: "info",
      event: "audit.upstream",
      time: expect.stringMatching(ISO_TIME),
      kind: "upstream",
      requestId,
      agent: "tester",
      keyId: TEST_KEY_ID,
      method: "tools/call",
      decision: "allow",
      rule: "agent:tester allow.servers[0]",
      upstreamStatus: "ok",
      latencyMs: expect.any(Number),
      server: "a",
      name: "echo",
      revision: revision(),
    });
    expect(upstream!["latencyMs"]).toBeGreaterThanOrEqual(0);
    expect(revision()).toMatch(/^[0-9a-f]{12}$/);
  });

  it("writes a deny decision for requests refused before any MCP handling (401, 403)", async () => {
    const deny = async (headers: Record<string, string>, path = "/mcp") => {
      const requestId = `audit-ray-${++requestCount}`;
      const response = await postMcp(initializeRequest(), { ...headers, "cf-ray": requestId }, path);
      expect([401, 403]).toContain(response.status);
      return logs.events("audit.decision").filter((l) => l["requestId"] === requestId);
    };
    expect(await deny({ authorization: "" })).toEqual([
      expect.objectContaining({ method: "authenticate", decision: "deny", rule: "no API key" }),
    ]);
    const unknown = await deny({ authorization: "Bearer not-a-key" });
    expect(unknown).toEqual([expect.objectContaining({ method: "authenticate", decision: "deny" })]);
    expect(JSON.stringify(unknown)).not.toContain("not-a-key");
    expect(await deny({ authorization: `Bearer ${LIMITED.key}`, "x-mcp-agent": "tester" })).toEqual([
      expect.objectContaining({
        method: "delegate",
        decision: "deny",
        agent: "limited",
        rule: "agent:limited (no allow.delegates entry matches 'tester')",
      }),
    ]);
    expect(await deny({}, "/mcp/desk")).toEqual([
      expect.objectContaining({
        method: "virtual-server",
        decision: "deny",
        agent: "tester",
        rule: expect.stringContaining("vs:desk"),
      }),
    ]);
  });

  it("names the prompt or resource URI for prompts/get and resources/read", async () => {
    const session = await AgentSession.open();
    const prompt = await audited(session, "prompts/get", { name: "a__greeting", arguments: { who: "x" } });
    expect(prompt.lines).toEqual([
      expect.objectContaining({
        event: "audit.upstream",
        method: "prompts/get",
        decision: "allow",
        server: "a",
        name: "greeting",
      }),
    ]);
    const uri = `fixture://${a.name}/readme`;
    const read = await audited(session, "resources/read", { uri });
    expect(read.lines).toEqual([
      expect.objectContaining({
        event: "audit.upstream",
        method: "resources/read",
        decision: "allow",
        upstreamStatus: "ok",
        uri,
      }),
    ]);
  });

  it("writes a deny decision with the deciding rule, and no upstream line, for a refused call", async () => {
    const session = await AgentSession.open(LIMITED);
    const tool = await audited(session, "tools/call", { name: "a__slow", arguments: {} });
    expect(tool.answer.error?.data?.code).toBe("DENIED_BY_POLICY");
    expect(tool.lines).toEqual([
      expect.objectContaining({
        event: "audit.decision",
        requestId: tool.requestId,
        agent: "limited",
        method: "tools/call",
        decision: "deny",
        rule: "agent:limited allow.tools.a (lists no match for 'slow')",
        server: "a",
        name: "slow",
        revision: revision(),
      }),
    ]);

    const denied = await audited(session, "tools/call", { name: "b__fail", arguments: {} });
    expect(denied.lines).toEqual([
      expect.objectContaining({ decision: "deny", rule: "agent:limited deny.tools.b[0]", server: "b", name: "fail" }),
    ]);
    const server = await audited(session, "tools/call", { name: "p__echo", arguments: {} });
    expect(server.lines).toEqual([
      expect.objectContaining({ decision: "deny", rule: "agent:limited (no allow rule matches)", server: "p" }),
    ]);
    expect((await a.stats()).requests.filter((r) => r.method === "tools/call")).toEqual([]);
  });

  it("writes a 'filtered' decision with shown and total for each list", async () => {
    const session = await AgentSession.open(LIMITED);
    const tools = await audited(session, "tools/list", {});
    // a shows only echo of its 15 tools; b shows 13 of 15 (fail and hang denied).
    expect(tools.lines).toEqual([
      expect.objectContaining({
        event: "audit.decision",
        method: "tools/list",
        decision: "filtered",
        shown: 14,
        total: 30,
        agent: "limited",
        revision: revision(),
      }),
    ]);
    const resources = await audited(session, "resources/list", {});
    expect(resources.lines).toEqual([
      expect.objectContaining({ method: "resources/list", decision: "filtered", shown: 1, total: 2 }),
    ]);
  });

  it("names the sub-agent and the virtual server the request came through", async () => {
    const session = await AgentSession.open({ ...LIMITED, subAgent: "helper", path: "/mcp/desk" });
    const { lines } = await audited(session, "tools/call", { name: "a__echo", arguments: { text: "x" } });
    expect(lines).toEqual([
      expect.objectContaining({
        event: "audit.upstream",
        agent: "limited",
        delegate: "helper",
        virtualServer: "desk",
        rule: "vs:desk allow.servers[0]",
      }),
    ]);
  });

  it("leaves arguments and results out unless the registration sets auditPayloads", async () => {
    const session = await AgentSession.open();
    const { lines } = await audited(session, "tools/call", {
      name: "a__echo",
      arguments: { text: "a private remark" },
    });
    expect(lines).toHaveLength(1);
    for (const line of lines) {
      expect(line).not.toHaveProperty("arguments");
      expect(line).not.toHaveProperty("result");
    }
    expect(JSON.stringify(logs.events())).not.toContain("a private remark");
  });

  it("logs arguments and results where auditPayloads is set, with bearer tokens and secrets redacted", async () => {
    const secret = inject("fixtureSecret");
    const token = "abcdefghijklmnop0123456789";
    const session = await AgentSession.open();
    const text = `plain words; Authorization: Bearer ${token}; and the upstream secret ${secret} itself`;
    const { answer, lines } = await audited(session, "tools/call", {
      name: "p__echo",
      arguments: { text, api_key: "sk-live-0123456789" },
    });
    expect(answer.error).toBeUndefined();
    const [upstream] = only(lines, "audit.upstream");
    expect(upstream).toMatchObject({ upstreamStatus: "ok", server: "p", name: "echo" });
    const args = upstream!["arguments"] as Record<string, string>;
    const result = JSON.stringify(upstream!["result"]);
    expect(args["text"]).toContain("plain words");
    expect(args["text"]).toContain("[REDACTED]");
    expect(args["api_key"]).toBe("[REDACTED]");
    expect(result).toContain("plain words");
    expect(result).toContain("[REDACTED]");
    const everything = logs.raw().join("\n");
    for (const hidden of [secret, token, "sk-live-0123456789", TEST_API_KEY]) {
      expect(everything).not.toContain(hidden);
    }
    expect(lines).toHaveLength(1);
  });

  it("gives an upstream line with the gateway's error code when the upstream fails", async () => {
    const session = await AgentSession.open();
    const cases = [
      { name: "b__hang", status: "TIMEOUT" },
      { name: "b__http500", status: "UPSTREAM_ERROR" },
      { name: "b__fail", status: "error:-32050" },
    ];
    for (const { name, status } of cases) {
      const { answer, lines } = await audited(session, "tools/call", { name, arguments: {} });
      expect(answer.error, name).toBeDefined();
      if (!status.startsWith("error:")) expect(answer.error?.data?.code).toBe(status);
      expect(lines, name).toEqual([
        expect.objectContaining({
          event: "audit.upstream",
          decision: "allow",
          server: "b",
          upstreamStatus: status,
          latencyMs: expect.any(Number),
        }),
      ]);
    }
  });
});
