// Merged lists as a client pages through them: every upstream page is followed, the
// gateway pages the merged list with its own opaque cursors and refuses cursors it did
// not issue; prompts and resources are listed and routed to the server that owns them.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, type Tool } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { DEFAULT_TOOL_COUNT, FixtureTenant } from "./support/fixture.js";

interface ToolPage {
  tools: Tool[];
  nextCursor?: string;
}

describe("tools/list pagination", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;

  beforeEach(() => {
    a = FixtureTenant.create("pages-a");
    b = FixtureTenant.create("pages-b", "second");
  });

  it("follows every page of an upstream's tools/list, so nothing is dropped", async () => {
    await seedConfig({ servers: { a: { url: a.url } } });
    const client = await GatewayClient.connect();
    const page = await client.result<ToolPage>("tools/list");
    expect(page.nextCursor).toBeUndefined();
    expect(page.tools.map((t) => t.name)).toEqual([
      "a__echo",
      "a__fail",
      "a__hang",
      "a__http500",
      "a__garbage",
      "a__sse_close",
      "a__slow",
      ...Array.from({ length: 8 }, (_, i) => `a__paged_${i + 1}`),
    ]);
    expect(page.tools[0]).toMatchObject({ description: `echo from ${a.name}`, inputSchema: { type: "object" } });
    const listCalls = (await a.stats()).requests.filter((r) => r.method === "tools/list");
    expect(listCalls).toHaveLength(3);
  });

  it("pages the merged list by settings.pageSize with opaque cursors, each tool exactly once", async () => {
    await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } }, settings: { pageSize: 4 } });
    const client = await GatewayClient.connect();

    const pages: ToolPage[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.result<ToolPage>("tools/list", cursor === undefined ? undefined : { cursor });
      pages.push(page);
      cursor = page.nextCursor;
      if (cursor !== undefined) expect(cursor).not.toMatch(/offset-/);
    } while (cursor !== undefined && pages.length < 20);

    expect(pages.map((p) => p.tools.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    const names = pages.flatMap((p) => p.tools.map((t) => t.name));
    expect(new Set(names).size).toBe(2 * DEFAULT_TOOL_COUNT);
    expect(names.filter((n) => n.startsWith("a__"))).toHaveLength(DEFAULT_TOOL_COUNT);
    expect(names.filter((n) => n.startsWith("b__"))).toHaveLength(DEFAULT_TOOL_COUNT);
  });

  it("takes a cursor from another session of the same list", async () => {
    await seedConfig({ servers: { a: { url: a.url } }, settings: { pageSize: 5 } });
    const first = await GatewayClient.connect();
    const second = await GatewayClient.connect();
    const page1 = await first.result<ToolPage>("tools/list");
    const page2 = await second.result<ToolPage>("tools/list", { cursor: page1.nextCursor });
    expect(page2.tools.map((t) => t.name)).toEqual([
      "a__sse_close",
      "a__slow",
      "a__paged_1",
      "a__paged_2",
      "a__paged_3",
    ]);
  });

  it("refuses cursors it did not issue with -32602", async () => {
    await seedConfig({ servers: { a: { url: a.url } }, settings: { pageSize: 5 } });
    const client = await GatewayClient.connect();
    const forged = [
      "not-a-cursor",
      "offset-6",
      btoa(JSON.stringify({ o: 5, f: "00000000" })),
      btoa(JSON.stringify({ o: -1 })),
      42,
      "x".repeat(300),
    ];
    for (const cursor of forged) {
      const error = await client.error("tools/list", { cursor });
      expect(error, `cursor ${String(cursor).slice(0, 20)}`).toMatchObject({
        code: -32602,
        data: { code: "INVALID_PARAMS" },
      });
    }
  });

  it("refuses a cursor cut from a list that has changed since", async () => {
    await seedConfig({
      servers: { a: { url: a.url } },
      settings: { pageSize: 5, catalogTtlSeconds: 0 },
    });
    const client = await GatewayClient.connect();
    const first = await client.result<ToolPage>("tools/list");
    expect(first.nextCursor).toBeDefined();

    await a.configure({ tools: ["echo", "alpha", "beta", "gamma", "delta", "epsilon", "zeta"] });

    const error = await client.error("tools/list", { cursor: first.nextCursor });
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(/changed/);
  });

  it("cuts off an upstream whose cursors go round in circles, and lists the others", async () => {
    await a.configure({ pageSize: 0 });
    await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } } });
    const client = await GatewayClient.connect();
    const names = await client.toolNames();
    expect(names).toHaveLength(DEFAULT_TOOL_COUNT);
    expect(names.every((n) => n.startsWith("b__"))).toBe(true);
    expect((await client.call("a__echo")).error).toMatchObject({ data: { code: "UPSTREAM_ERROR", server: "a" } });
  });
});

describe("prompts and resources", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;
  let client: GatewayClient;

  beforeEach(async () => {
    a = FixtureTenant.create("res-a");
    b = FixtureTenant.create("res-b", "second");
    await seedConfig({ servers: { a: { url: a.url }, b: { url: b.url } } });
    client = await GatewayClient.connect();
  });

  it("lists prompts from every upstream and gets one with its arguments", async () => {
    const list = await client.result<{ prompts: Array<{ name: string; arguments?: unknown[] }> }>("prompts/list");
    expect(list.prompts.map((p) => p.name)).toEqual(["a__greeting", "b__greeting"]);
    expect(list.prompts[0]!.arguments).toEqual([{ name: "who", required: true }]);

    const got = await client.result<{ messages: Array<{ role: string; content: { text: string } }> }>("prompts/get", {
      name: "a__greeting",
      arguments: { who: "Grace" },
    });
    expect(got.messages).toEqual([{ role: "user", content: { type: "text", text: `Hello, Grace, from ${a.name}` } }]);
  });

  it("answers an unknown prompt with -32602", async () => {
    const error = await client.error("prompts/get", { name: "a__nope" });
    expect(error).toMatchObject({ code: -32602, data: { code: "NOT_FOUND", name: "a__nope" } });
  });

  it("lists resources and templates by their own URIs and reads each from its owner", async () => {
    const resources = await client.result<{ resources: Array<{ uri: string }> }>("resources/list");
    expect(resources.resources.map((r) => r.uri)).toEqual([`fixture://${a.name}/readme`, `fixture://${b.name}/readme`]);

    const templates = await client.result<{ resourceTemplates: Array<{ uriTemplate: string }> }>(
      "resources/templates/list",
    );
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      `fixture://${a.name}/items/{id}`,
      `fixture://${b.name}/items/{id}`,
    ]);

    const readme = await client.result<{ contents: Array<{ uri: string; text: string }> }>("resources/read", {
      uri: `fixture://${b.name}/readme`,
    });
    expect(readme.contents).toEqual([
      { uri: `fixture://${b.name}/readme`, mimeType: "text/plain", text: "contents of readme" },
    ]);
    expect((await b.stats()).requests.some((r) => r.method === "resources/read")).toBe(true);
    expect((await a.stats()).requests.some((r) => r.method === "resources/read")).toBe(false);
  });

  it("routes a URI that matches a template to the server offering the template", async () => {
    const item = await client.result<{ contents: Array<{ text: string }> }>("resources/read", {
      uri: `fixture://${a.name}/items/42`,
    });
    expect(item.contents[0]!.text).toBe("contents of items/42");
  });

  it("answers a URI no upstream offers with -32002", async () => {
    const error = await client.error("resources/read", { uri: "fixture://nobody/readme" });
    expect(error).toMatchObject({ code: -32002, data: { code: "NOT_FOUND", uri: "fixture://nobody/readme" } });
  });
});
