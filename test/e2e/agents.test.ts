// Agents with their own API keys in front of the same real server-everything: each sees
// and calls only what its rules allow, on /mcp, on its own virtual server, and as the
// sub-agent an orchestrator narrows itself to. Rule precedence line by line is the unit
// tests' job; here the official SDK client sees the outcome.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  allStarted,
  auditLines,
  connectClient,
  refusal,
  startEverything,
  startGateway,
  Teardown,
  textOf,
  type ConnectOptions,
  type Connected,
  type Gateway,
} from "./harness.js";

const WRITER_KEY = "mcpgw_e2e_writer_key_0123456789";
const REVIEWER_KEY = "mcpgw_e2e_reviewer_key_0123456789";
const ORCHESTRATOR_KEY = "mcpgw_e2e_orchestrator_key_0123456789";
const EXPIRED_KEY = "mcpgw_e2e_expired_key_0123456789";
const UNKNOWN_KEY = "mcpgw_e2e_nobody_has_this_key_0123";

const DENIED_BY_POLICY = -32014;

const teardown = new Teardown();
let gateway: Gateway;
/** A client of the real `everything` upstream, not through the gateway: what the tools answer. */
let direct: Client;
/** The default agent, allowed every server: what the gateway offers in all. */
let everyone: Connected;
let writer: Connected;
let reviewer: Connected;

beforeAll(async () => {
  const [everything, spare, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (gateway) => gateway.stop()),
  ]);
  gateway = started;
  await gateway.configure({
    // `spare` is a second upstream that neither writer nor reviewer may see.
    servers: { everything: { url: everything.url }, spare: { url: spare.url } },
    agents: {
      writer: { allow: { tools: { everything: ["{echo,get-sum}"] }, prompts: { everything: ["*"] } } },
      reviewer: { allow: { servers: ["everything"] }, deny: { tools: { everything: ["get-*"] } } },
      orchestrator: { allow: { servers: ["*"], delegates: ["reviewer"] } },
    },
    virtualServers: {
      "code-review": {
        servers: ["everything"],
        tools: { everything: ["echo"] },
        overrides: { "everything/echo": { name: "say", description: "Says the message back, for review notes" } },
        agents: ["reviewer"],
      },
      // Aggregates both servers; writer still sees only what its own rules allow.
      "code-write": { servers: ["everything", "spare"], agents: ["writer"] },
    },
    apiKeys: {
      [WRITER_KEY]: "writer",
      [REVIEWER_KEY]: "reviewer",
      [ORCHESTRATOR_KEY]: "orchestrator",
      [EXPIRED_KEY]: { agent: "reviewer", expiresAt: "2001-01-01T00:00:00Z" },
    },
  });
  [everyone, writer, reviewer] = await allStarted([
    session("e2e-everyone", {}),
    session("e2e-writer", { apiKey: WRITER_KEY }),
    session("e2e-reviewer", { apiKey: REVIEWER_KEY }),
  ]);
  direct = await teardown.adopt(connectDirect(everything.url), (client) => client.close());
});

afterAll(() => teardown.run());

async function connectDirect(url: string): Promise<Client> {
  const client = new Client({ name: "e2e-direct", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** A session that closes when the file's tests end, even if its test fails first. */
const session = (name: string, options: ConnectOptions) =>
  teardown.adopt(connectClient(gateway, name, options), ({ client }) => client.close());

const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

/** The tools of `everything` that survive reviewer's `deny.tools.everything: ["get-*"]`. */
async function reviewerTools(): Promise<string[]> {
  const all = await toolNames(everyone.client);
  return all.filter((n) => n.startsWith("everything__") && !n.startsWith("everything__get-"));
}

/** The McpError of a refused call, with its `data` typed for assertions. */
async function denial(request: Promise<unknown>) {
  const error: McpError = await refusal(request);
  return { code: error.code, data: error.data as Record<string, unknown> };
}

/** The HTTP status a refused SDK connection surfaced. */
async function connectStatus(options: ConnectOptions): Promise<number> {
  const error = await connectClient(gateway, "e2e-refused", options).then(
    async ({ client }) => {
      await client.close();
      throw new Error("connected, but expected a refusal");
    },
    (error: unknown) => error,
  );
  if (!(error instanceof StreamableHTTPError)) throw error;
  return error.code!;
}

/** One JSON-RPC POST without the SDK, to see the HTTP answer itself. */
async function rawPost(path: string, headers: Record<string, string>, message: object) {
  const response = await fetch(new URL(path, gateway.endpoint), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
  });
  const body = (await response.json()) as { id: unknown; error: { code: number; message: string; data: object } };
  return { status: response.status, headers: response.headers, body };
}

const rawInitialize = (path: string, headers: Record<string, string>) =>
  rawPost(path, headers, {
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e-raw", version: "1.0.0" } },
  });

/** A tools/call on an existing session, sent with whatever credentials `headers` hold. */
const rawCallInSession = ({ transport }: Connected, headers: Record<string, string>) =>
  rawPost(
    "/mcp",
    { "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-06-18", ...headers },
    {
      method: "tools/call",
      params: { name: "everything__echo", arguments: { message: "borrowed" } },
    },
  );

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("two agents with their own keys on /mcp", () => {
  it("shows each agent exactly the tools its rules allow", async () => {
    expect(await toolNames(writer.client)).toEqual(["everything__echo", "everything__get-sum"]);

    const expected = await reviewerTools();
    expect(expected).toContain("everything__echo");
    expect(expected.length).toBeGreaterThan(3);
    expect(await toolNames(reviewer.client)).toEqual(expected);
    // The default agent sees more than either: the rest of `everything`, and `spare`.
    expect(await toolNames(everyone.client)).toEqual(
      expect.arrayContaining(["everything__get-sum", "everything__get-tiny-image", "spare__echo"]),
    );
  });

  it("shows writer the prompts its rules allow and no resources, which reviewer does see", async () => {
    const writerPrompts = (await writer.client.listPrompts()).prompts.map((p) => p.name);
    expect(writerPrompts).toContain("everything__simple-prompt");
    expect(writerPrompts.every((n) => n.startsWith("everything__"))).toBe(true);
    expect((await writer.client.listResources()).resources).toEqual([]);

    const prompt = await writer.client.getPrompt({ name: "everything__simple-prompt" });
    expect(prompt).toEqual(await direct.getPrompt({ name: "simple-prompt" }));

    const reviewerResources = (await reviewer.client.listResources()).resources;
    expect(reviewerResources.length).toBeGreaterThan(0);
  });

  it("lets each agent call its own tools and relays the upstream's answer unchanged", async () => {
    const echo = { message: "looks good to me" };
    const sum = { a: 19, b: 23 };
    const [writerEcho, writerSum, reviewerEcho, upstreamEcho, upstreamSum] = await Promise.all([
      writer.client.callTool({ name: "everything__echo", arguments: echo }),
      writer.client.callTool({ name: "everything__get-sum", arguments: sum }),
      reviewer.client.callTool({ name: "everything__echo", arguments: echo }),
      direct.callTool({ name: "echo", arguments: echo }),
      direct.callTool({ name: "get-sum", arguments: sum }),
    ]);
    expect(textOf(upstreamEcho)).toBe("Echo: looks good to me");
    expect(textOf(upstreamSum)).toBe("The sum of 19 and 23 is 42.");
    expect(writerEcho).toEqual(upstreamEcho);
    expect(writerSum).toEqual(upstreamSum);
    expect(reviewerEcho).toEqual(upstreamEcho);
  });

  it("refuses each agent the other's tools with DENIED_BY_POLICY, the deciding rule and the revision", async () => {
    const reviewerOnly = (await reviewerTools()).find((n) => n !== "everything__echo")!;
    const upstreamName = reviewerOnly.slice("everything__".length);

    const byWriter = await denial(writer.client.callTool({ name: reviewerOnly, arguments: {} }));
    expect(byWriter.code).toBe(DENIED_BY_POLICY);
    expect(byWriter.data).toMatchObject({
      code: "DENIED_BY_POLICY",
      rule: `agent:writer allow.tools.everything (lists no match for '${upstreamName}')`,
      server: "everything",
      name: upstreamName,
      revision: expect.stringMatching(/^[0-9a-f]{12}$/),
    });

    const byReviewer = await denial(
      reviewer.client.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } }),
    );
    expect(byReviewer.code).toBe(DENIED_BY_POLICY);
    expect(byReviewer.data).toMatchObject({
      code: "DENIED_BY_POLICY",
      rule: "agent:reviewer deny.tools.everything[0]",
      server: "everything",
      name: "get-sum",
    });
    // One configuration is in force for both.
    expect(byReviewer.data["revision"]).toBe(byWriter.data["revision"]);
  });

  it("refuses a server an agent may not see, and a resource outside its rules", async () => {
    const spare = await denial(reviewer.client.callTool({ name: "spare__echo", arguments: { message: "hi" } }));
    expect(spare.data).toMatchObject({
      code: "DENIED_BY_POLICY",
      rule: "agent:reviewer (no allow rule matches)",
      server: "spare",
    });

    const uri = "demo://resource/static/document/architecture.md";
    const read = await denial(writer.client.readResource({ uri }));
    expect(read.data).toMatchObject({ code: "DENIED_BY_POLICY", rule: "agent:writer (no allow rule matches)", uri });
  });

  it("does not let a name in another case or without its prefix reach a denied tool", async () => {
    for (const name of ["everything__GET-SUM", "everything__Get-Sum", "get-sum"]) {
      await refusal(reviewer.client.callTool({ name, arguments: { a: 1, b: 2 } }));
    }
  });

  it("puts each refusal on record, with the agent, rule and revision the caller was told", async () => {
    const refused = await denial(reviewer.client.callTool({ name: "everything__get-sum", arguments: { a: 3, b: 4 } }));
    await vi.waitFor(
      () =>
        expect(auditLines(gateway)).toContainEqual(
          expect.objectContaining({
            event: "audit.decision",
            method: "tools/call",
            decision: "deny",
            agent: "reviewer",
            server: "everything",
            name: "get-sum",
            rule: refused.data["rule"],
            revision: refused.data["revision"],
          }),
        ),
      { timeout: 10_000, interval: 50 },
    );
  });
});

describe("without a valid key", () => {
  it("refuses the SDK client with 401 when it sends no key, an unknown key or an expired one", async () => {
    expect(await connectStatus({ apiKey: null })).toBe(401);
    expect(await connectStatus({ apiKey: UNKNOWN_KEY })).toBe(401);
    expect(await connectStatus({ apiKey: EXPIRED_KEY })).toBe(401);
  });

  it("answers 401 with a Bearer challenge and a JSON-RPC error body", async () => {
    const missing = await rawInitialize("/mcp", {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    expect(missing.body).toMatchObject({ id: null, error: { code: -32000, data: { code: "UNAUTHORIZED" } } });

    const wrong = await rawInitialize("/mcp", bearer(UNKNOWN_KEY));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer\b.*error="invalid_token"/);
    expect(wrong.body.error.data).toEqual({ code: "UNAUTHORIZED" });
  });

  it("tells an expired key from an unknown one in nothing it answers", async () => {
    const [expired, unknown] = await Promise.all([
      rawInitialize("/mcp", bearer(EXPIRED_KEY)),
      rawInitialize("/mcp", bearer(UNKNOWN_KEY)),
    ]);
    expect(expired.status).toBe(unknown.status);
    expect(expired.headers.get("www-authenticate")).toBe(unknown.headers.get("www-authenticate"));
    expect(expired.body).toEqual(unknown.body);
  });
});

describe("a session is bound to the identity that opened it", () => {
  it("treats another agent's key on a session as an unknown session", async () => {
    const borrowed = await rawCallInSession(reviewer, bearer(WRITER_KEY));
    expect(borrowed.status).toBe(404);
    expect(borrowed.body.error.data).toEqual({ code: "SESSION_NOT_FOUND" });
    // The owner's own key on the same session is answered, so the session itself is alive.
    const owned = await rawCallInSession(reviewer, bearer(REVIEWER_KEY));
    expect(owned.status).toBe(200);
  });

  it("does not let a narrowed session widen by dropping X-MCP-Agent", async () => {
    const narrowed = await session("e2e-orchestrator-dropping", {
      apiKey: ORCHESTRATOR_KEY,
      headers: { "X-MCP-Agent": "reviewer" },
    });
    const widened = await rawCallInSession(narrowed, bearer(ORCHESTRATOR_KEY));
    expect(widened.status).toBe(404);
    expect(widened.body.error.data).toEqual({ code: "SESSION_NOT_FOUND" });
  });

  it("refuses a session id without a key with 401, before looking the session up", async () => {
    const anonymous = await rawCallInSession(reviewer, {});
    expect(anonymous.status).toBe(401);
  });
});

describe("virtual servers: a code-review and a code-write endpoint over the same servers", () => {
  it("shows reviewer only the renamed tool on /mcp/code-review, with its new description", async () => {
    const { client } = await session("e2e-reviewer-vs", { apiKey: REVIEWER_KEY, path: "/mcp/code-review" });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["say"]);
    expect(tools[0]!.description).toBe("Says the message back, for review notes");
    expect(tools[0]!.inputSchema.properties).toHaveProperty("message");

    const said = await client.callTool({ name: "say", arguments: { message: "nit: rename this" } });
    expect(said).toEqual(await direct.callTool({ name: "echo", arguments: { message: "nit: rename this" } }));
  });

  it("refuses on /mcp/code-review what reviewer may call on /mcp but the virtual server leaves out", async () => {
    const { client } = await session("e2e-reviewer-vs-narrow", { apiKey: REVIEWER_KEY, path: "/mcp/code-review" });
    const outside = (await reviewerTools()).find((n) => n !== "everything__echo")!;
    const upstreamName = outside.slice("everything__".length);
    const refused = await denial(client.callTool({ name: outside, arguments: {} }));
    expect(refused.data).toMatchObject({
      code: "DENIED_BY_POLICY",
      rule: `vs:code-review allow.tools.everything (lists no match for '${upstreamName}')`,
    });
    // The reviewer's own denial still wins inside the virtual server.
    const denied = await denial(client.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } }));
    expect(denied.data).toMatchObject({ code: "DENIED_BY_POLICY", rule: "agent:reviewer deny.tools.everything[0]" });
  });

  it("shows writer on /mcp/code-write only its own tools, though the endpoint aggregates both servers", async () => {
    const { client } = await session("e2e-writer-vs", { apiKey: WRITER_KEY, path: "/mcp/code-write" });
    expect(await toolNames(client)).toEqual(["everything__echo", "everything__get-sum"]);
    const sum = await client.callTool({ name: "everything__get-sum", arguments: { a: 40, b: 2 } });
    expect(textOf(sum)).toBe("The sum of 40 and 2 is 42.");
  });

  it("refuses an agent not listed on a virtual server with 403", async () => {
    expect(await connectStatus({ apiKey: WRITER_KEY, path: "/mcp/code-review" })).toBe(403);
    expect(await connectStatus({ apiKey: REVIEWER_KEY, path: "/mcp/code-write" })).toBe(403);

    const raw = await rawInitialize("/mcp/code-review", bearer(WRITER_KEY));
    expect(raw.status).toBe(403);
    expect(raw.body.error.data).toEqual({
      code: "FORBIDDEN_VIRTUAL_SERVER",
      agent: "writer",
      virtualServer: "code-review",
    });
  });

  it("answers 404 for a virtual server that does not exist", async () => {
    expect(await connectStatus({ apiKey: REVIEWER_KEY, path: "/mcp/code-audit" })).toBe(404);
    const raw = await rawInitialize("/mcp/code-audit", bearer(REVIEWER_KEY));
    expect(raw.status).toBe(404);
    expect(raw.body.error.data).toEqual({ code: "NOT_FOUND", virtualServer: "code-audit" });
  });
});

describe("sub-agent narrowing with X-MCP-Agent", () => {
  it("gives an orchestrator narrowed to reviewer exactly reviewer's view", async () => {
    const wide = await session("e2e-orchestrator", { apiKey: ORCHESTRATOR_KEY });
    expect(await toolNames(wide.client)).toEqual(expect.arrayContaining(["everything__get-sum", "spare__echo"]));

    const narrowed = await session("e2e-orchestrator-as-reviewer", {
      apiKey: ORCHESTRATOR_KEY,
      headers: { "X-MCP-Agent": "reviewer" },
    });
    expect(await toolNames(narrowed.client)).toEqual(await toolNames(reviewer.client));

    const echo = await narrowed.client.callTool({ name: "everything__echo", arguments: { message: "delegated" } });
    expect(textOf(echo)).toBe("Echo: delegated");
    const denied = await denial(narrowed.client.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } }));
    expect(denied.data).toMatchObject({ code: "DENIED_BY_POLICY", rule: "agent:reviewer deny.tools.everything[0]" });
  });

  it("lets the narrowed orchestrator use reviewer's virtual server", async () => {
    const { client } = await session("e2e-orchestrator-review", {
      apiKey: ORCHESTRATOR_KEY,
      path: "/mcp/code-review",
      headers: { "X-MCP-Agent": "reviewer" },
    });
    expect(await toolNames(client)).toEqual(["say"]);
  });

  it("refuses narrowing to a sub-agent that is not delegable with 403 FORBIDDEN_DELEGATION", async () => {
    expect(await connectStatus({ apiKey: ORCHESTRATOR_KEY, headers: { "X-MCP-Agent": "writer" } })).toBe(403);
    // Delegation is never implied: reviewer lists no delegates at all.
    expect(await connectStatus({ apiKey: REVIEWER_KEY, headers: { "X-MCP-Agent": "writer" } })).toBe(403);

    const raw = await rawInitialize("/mcp", { ...bearer(ORCHESTRATOR_KEY), "X-MCP-Agent": "writer" });
    expect(raw.status).toBe(403);
    expect(raw.body.error.data).toEqual({
      code: "FORBIDDEN_DELEGATION",
      agent: "orchestrator",
      subAgent: "writer",
      rule: "agent:orchestrator (no allow.delegates entry matches 'writer')",
    });
  });
});
