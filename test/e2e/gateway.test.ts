// One gateway in workerd in front of two server-everything instances, `alpha` and
// `beta`, driven by the official SDK client as an MCP client would drive it.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  allStarted,
  connectClient,
  startEverything,
  startGateway,
  Teardown,
  refusal,
  textOf,
  type Connected,
  type Gateway,
  DEFAULT_KEY,
} from "./harness.js";

const PAGE_SIZE = 7;

const teardown = new Teardown();
let gateway: Gateway;
let session: Connected;

beforeAll(async () => {
  const [alpha, beta, started] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (gateway) => gateway.stop()),
  ]);
  gateway = started;
  await gateway.configure({
    servers: { alpha: { url: alpha.url }, beta: { url: beta.url } },
    settings: {
      // A local user's DNS-rebinding guard; the SDK client sends Host 127.0.0.1:<port>.
      allowedHosts: ["127.0.0.1"],
      // Small pages, so that listing everything means following cursors.
      pageSize: PAGE_SIZE,
    },
  });
  session = await teardown.adopt(connectClient(gateway), ({ client }) => client.close());
});

afterAll(() => teardown.run());

/** Every item of a paginated list, following nextCursor as a client must. */
async function allPages<P extends { nextCursor?: string | undefined }, I>(
  list: (params: { cursor?: string }) => Promise<P>,
  items: (page: P) => I[],
): Promise<I[]> {
  const all: I[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor === undefined ? {} : { cursor });
    all.push(...items(page));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return all;
}

const allTools = (client: Client) =>
  allPages(
    (p) => client.listTools(p),
    (page) => page.tools,
  );

describe("a session through the gateway", () => {
  it("introduces itself as the gateway with the union of its upstreams' capabilities", () => {
    const { client } = session;
    expect(client.getServerVersion()).toMatchObject({ name: "mcp-edge-gateway" });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, prompts: {}, resources: {} });
    expect(session.transport.sessionId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("lists both servers' tools under their prefixed names, page by page", async () => {
    const first = await session.client.listTools();
    expect(first.tools).toHaveLength(PAGE_SIZE);
    expect(first.nextCursor).toEqual(expect.any(String));

    const tools = await allTools(session.client);
    const names = tools.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ["echo", "get-sum", "get-tiny-image"]) {
      expect(names).toContain(`alpha__${name}`);
      expect(names).toContain(`beta__${name}`);
    }
    expect(names.every((n) => n.startsWith("alpha__") || n.startsWith("beta__"))).toBe(true);
    expect(names.filter((n) => n.startsWith("alpha__")).length).toBe(
      names.filter((n) => n.startsWith("beta__")).length,
    );
    const echo = tools.find((t) => t.name === "alpha__echo")!;
    expect(echo.description).toBe("Echoes back the input string");
    expect(echo.inputSchema.properties).toHaveProperty("message");
  });

  it("calls echo on each server through its mapped name and relays the upstream's answer", async () => {
    const [alpha, beta] = await Promise.all([
      session.client.callTool({ name: "alpha__echo", arguments: { message: "hello alpha" } }),
      session.client.callTool({ name: "beta__echo", arguments: { message: "hello beta" } }),
    ]);
    expect(alpha.isError).toBeFalsy();
    expect(textOf(alpha)).toBe("Echo: hello alpha");
    expect(beta.isError).toBeFalsy();
    expect(textOf(beta)).toBe("Echo: hello beta");
  });

  it("calls get-sum with numeric arguments", async () => {
    const result = await session.client.callTool({ name: "beta__get-sum", arguments: { a: 19, b: 23 } });
    expect(textOf(result)).toBe("The sum of 19 and 23 is 42.");
  });

  it("lists prompts under mapped names and gets one", async () => {
    const prompts = await allPages(
      (p) => session.client.listPrompts(p),
      (page) => page.prompts,
    );
    const names = prompts.map((p) => p.name);
    expect(names).toContain("alpha__simple-prompt");
    expect(names).toContain("beta__simple-prompt");
    const prompt = await session.client.getPrompt({ name: "alpha__simple-prompt" });
    expect(prompt.messages).toEqual([
      { role: "user", content: { type: "text", text: "This is a simple prompt without arguments." } },
    ]);
  });

  it("lists resources once per URI, unrenamed, and reads one from its upstream", async () => {
    const resources = await allPages(
      (p) => session.client.listResources(p),
      (page) => page.resources,
    );
    const uris = resources.map((r) => r.uri);
    // Both upstreams offer the same URIs; the merged list keeps one of each.
    expect(new Set(uris).size).toBe(uris.length);
    const uri = "demo://resource/static/document/architecture.md";
    expect(uris).toContain(uri);

    const read = await session.client.readResource({ uri });
    const docs = createRequire(import.meta.url).resolve(
      "@modelcontextprotocol/server-everything/dist/docs/architecture.md",
    );
    expect(read.contents).toEqual([{ uri, mimeType: "text/markdown", text: await readFile(docs, "utf8") }]);
  });

  it("lists resource templates and reads a URI that only a template matches", async () => {
    const resourceTemplates = await allPages(
      (p) => session.client.listResourceTemplates(p),
      (page) => page.resourceTemplates,
    );
    const templates = resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain("demo://resource/dynamic/text/{resourceId}");
    expect(new Set(templates).size).toBe(templates.length);

    const uri = "demo://resource/dynamic/text/7";
    const read = await session.client.readResource({ uri });
    expect(read.contents).toHaveLength(1);
    expect(read.contents[0]).toMatchObject({
      uri,
      mimeType: "text/plain",
      text: expect.stringMatching(/^Resource 7: This is a plaintext resource/),
    });
  });

  it("answers a call to an unknown tool with TOOL_NOT_FOUND", async () => {
    const error = await refusal(session.client.callTool({ name: "alpha__no-such-tool", arguments: {} }));
    expect(error.code).toBe(-32602);
    expect(error.data).toMatchObject({ code: "TOOL_NOT_FOUND", name: "alpha__no-such-tool" });
    // Unprefixed upstream names are not exposed under the "always" strategy.
    const bare = await refusal(session.client.callTool({ name: "echo", arguments: { message: "x" } }));
    expect(bare.data).toMatchObject({ code: "TOOL_NOT_FOUND" });
  });

  it("relays an upstream's own refusal of bad arguments unchanged", async () => {
    // server-everything answers a tool error result (isError) rather than a JSON-RPC error.
    const result = await session.client.callTool({ name: "alpha__get-sum", arguments: { a: "one" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/validation/i);
  });

  it("routes completions for a prompt argument to the prompt's server", async () => {
    const { completion } = await session.client.complete({
      ref: { type: "ref/prompt", name: "beta__completable-prompt" },
      argument: { name: "department", value: "S" },
    });
    expect(completion.values.sort()).toEqual(["Sales", "Support"]);
  });

  it("accepts a logging level for every upstream", async () => {
    await expect(session.client.setLoggingLevel("warning")).resolves.toEqual({});
  });

  it("answers ping", async () => {
    await expect(session.client.ping()).resolves.toEqual({});
  });
});

describe("two sessions at once", () => {
  it("gives a second, parallel SDK session its own id and the same tools", async () => {
    const second = await connectClient(gateway, "e2e-second-client");
    try {
      expect(second.transport.sessionId).toBeDefined();
      expect(second.transport.sessionId).not.toBe(session.transport.sessionId);
      const [mine, theirs] = await Promise.all([allTools(session.client), allTools(second.client)]);
      expect(theirs.map((t) => t.name).sort()).toEqual(mine.map((t) => t.name).sort());

      const calls = await Promise.all(
        ["one", "two", "three"].flatMap((word) => [
          session.client.callTool({ name: "alpha__echo", arguments: { message: `first ${word}` } }),
          second.client.callTool({ name: "beta__echo", arguments: { message: `second ${word}` } }),
        ]),
      );
      expect(calls.map(textOf)).toEqual([
        "Echo: first one",
        "Echo: second one",
        "Echo: first two",
        "Echo: second two",
        "Echo: first three",
        "Echo: second three",
      ]);
    } finally {
      await second.client.close();
    }
  });
});

describe("ending a session", () => {
  it("terminates on DELETE, after which the session id is unknown (404)", async () => {
    const ending = await connectClient(gateway, "e2e-ending-client");
    try {
      const sessionId = ending.transport.sessionId!;
      await ending.client.callTool({ name: "alpha__echo", arguments: { message: "before the end" } });
      await ending.transport.terminateSession();
      expect(ending.transport.sessionId).toBeUndefined();

      const headers = {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${DEFAULT_KEY}`,
      };
      const post = await fetch(gateway.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(post.status).toBe(404);
      expect(await post.json()).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "SESSION_NOT_FOUND" } } });

      const again = await fetch(gateway.endpoint, { method: "DELETE", headers });
      expect(again.status).toBe(404);
      await again.body?.cancel();
    } finally {
      await ending.client.close();
    }
  });

  it("leaves other sessions running", async () => {
    const result = await session.client.callTool({ name: "alpha__echo", arguments: { message: "still here" } });
    expect(textOf(result)).toBe("Echo: still here");
  });
});
