// The gateway in front of a real MCP server nobody here wrote: server-everything from
// the npm registry, side by side with the fixture upstream.
import { evictDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

describe("in front of server-everything", () => {
  let client: GatewayClient;

  beforeEach(async () => {
    const fixture = FixtureTenant.create("beside-everything");
    await seedConfig({ servers: { everything: { url: inject("everythingUrl") }, fx: { url: fixture.url } } });
    client = await GatewayClient.connect();
  });

  it("advertises what the two upstreams can do between them", () => {
    // server-everything supports resource subscriptions and runs tools as tasks; list
    // changes are relayed from both, and its tasks.
    expect(client.initializeResult["capabilities"]).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      completions: {},
      logging: {},
      tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
    });
  });

  it("lists its tools next to the fixture's and calls them", async () => {
    const names = await client.toolNames();
    expect(names).toContain("everything__echo");
    expect(names).toContain("everything__get-sum");
    expect(names).toContain("fx__echo");

    expect(await client.callText("everything__echo", { message: "hello everything" })).toBe("Echo: hello everything");
    const sum = await client.result<{ content: Array<{ text: string }> }>("tools/call", {
      name: "everything__get-sum",
      arguments: { a: 2, b: 3 },
    });
    expect(sum.content[0]!.text).toContain("5");
  });

  it("relays its validation errors without blaming the gateway", async () => {
    const response = await client.call("everything__get-sum", { a: "two" });
    const failed = response.error !== undefined || response.result?.["isError"] === true;
    expect(failed).toBe(true);
    expect(response.error?.data?.code).not.toBe("INTERNAL_ERROR");
  });

  it("lists its prompts and resources, and reads one", async () => {
    const prompts = await client.result<{ prompts: Array<{ name: string }> }>("prompts/list");
    expect(prompts.prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["everything__simple-prompt"]));

    const resources = await client.result<{ resources: Array<{ uri: string }> }>("resources/list");
    const first = resources.resources.find((r) => r.uri.startsWith("demo://"));
    expect(first).toBeDefined();
    const read = await client.result<{ contents: Array<{ uri: string }> }>("resources/read", { uri: first!.uri });
    expect(read.contents[0]!.uri).toBe(first!.uri);
  });

  it("keeps its upstream session across eviction", async () => {
    expect(await client.callText("everything__echo", { message: "before" })).toBe("Echo: before");
    await evictDurableObject(client.stub);
    expect(await client.callText("everything__echo", { message: "after" })).toBe("Echo: after");
  });
});
