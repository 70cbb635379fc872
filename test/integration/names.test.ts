// How tool and prompt names from two upstreams are exposed under each prefix strategy,
// and that every exposed name calls the tool it names. Collisions are resolved by server
// name order, whatever order the upstreams answer or the config was written in.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { captureLogs } from "./support/logs.js";

describe("name mapping", () => {
  let a: FixtureTenant;
  let b: FixtureTenant;

  beforeEach(async () => {
    a = FixtureTenant.create("names-a", "first");
    b = FixtureTenant.create("names-b", "second");
    await a.configure({ tools: ["echo", "alpha"] });
    await b.configure({ tools: ["echo", "beta"] });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function connect(settings: Record<string, unknown>, registrations: Record<string, object> = {}) {
    await seedConfig({
      servers: { a: { url: a.url, ...registrations["a"] }, b: { url: b.url, ...registrations["b"] } },
      settings,
    });
    return GatewayClient.connect();
  }

  /** Which fixture tenant received a call to its tool `tool` since the last look. */
  async function callsTo(tool: string) {
    const [inA, inB] = await Promise.all([a.stats(), b.stats()]);
    const count = (stats: typeof inA) => stats.requests.filter((r) => r.tool === tool).length;
    return { a: count(inA), b: count(inB) };
  }

  it("prefixes every name with its server under prefixStrategy 'always' (the default)", async () => {
    const client = await connect({});
    expect(await client.toolNames()).toEqual(["a__echo", "a__alpha", "b__echo", "b__beta"]);
    expect(await client.callText("a__alpha")).toBe(`${a.name}/alpha`);
    expect(await client.callText("b__beta")).toBe(`${b.name}/beta`);
    await client.callText("b__echo", { text: "to b" });
    expect(await callsTo("echo")).toEqual({ a: 0, b: 1 });
  });

  it("prefixes only the names two servers share under 'conflicts'", async () => {
    const client = await connect({ prefixStrategy: "conflicts" });
    expect(await client.toolNames()).toEqual(["a__echo", "alpha", "b__echo", "beta"]);
    expect(await client.callText("alpha")).toBe(`${a.name}/alpha`);
    expect(await client.callText("beta")).toBe(`${b.name}/beta`);
    await client.callText("a__echo", { text: "to a" });
    expect(await callsTo("echo")).toEqual({ a: 1, b: 0 });
    expect((await client.call("echo")).error?.data?.code).toBe("TOOL_NOT_FOUND");
  });

  it("keeps upstream names under 'never', giving a shared name to the first server and prefixing the other", async () => {
    const client = await connect({ prefixStrategy: "never" });
    expect(await client.toolNames()).toEqual(["echo", "alpha", "b__echo", "beta"]);
    await client.callText("echo", { text: "to a" });
    expect(await callsTo("echo")).toEqual({ a: 1, b: 0 });
    await client.callText("b__echo", { text: "to b" });
    expect(await callsTo("echo")).toEqual({ a: 1, b: 1 });
  });

  it("resolves a collision the same way whichever upstream answers first and however the config was written", async () => {
    await a.configure({ fault: { kind: "slow", methods: ["tools/list"], delayMs: 300 } });
    await seedConfig({
      servers: { b: { url: b.url }, a: { url: a.url } },
      settings: { prefixStrategy: "never" },
    });
    const first = await GatewayClient.connect();
    const second = await GatewayClient.connect();
    expect(await first.toolNames()).toEqual(["echo", "alpha", "b__echo", "beta"]);
    expect(await second.toolNames()).toEqual(await first.toolNames());
  });

  it("reports the name it moved to resolve a collision", async () => {
    const logs = captureLogs();
    const client = await connect({ prefixStrategy: "never" });
    await client.toolNames();
    expect(logs.events("names.collision")).toEqual([
      expect.objectContaining({
        level: "info",
        kind: "tools",
        exposed: "echo",
        kept: { server: "a", original: "echo" },
        moved: { server: "b", original: "echo", exposed: "b__echo" },
      }),
    ]);
  });

  it("reports a name it cannot expose at all instead of shadowing it silently", async () => {
    const logs = captureLogs();
    // a's own prefix takes b's names: b's echo has nowhere left to go.
    const client = await connect({}, { a: { prefix: "b" } });
    expect(await client.toolNames()).toEqual(["b__echo", "b__alpha", "b__beta"]);
    await client.callText("b__echo", { text: "to a" });
    expect(await callsTo("echo")).toEqual({ a: 1, b: 0 });
    expect(logs.events("names.collision")).toEqual([
      expect.objectContaining({
        level: "warn",
        exposed: "b__echo",
        kept: { server: "a", original: "echo" },
        moved: { server: "b", original: "echo", exposed: null },
      }),
    ]);
  });

  it("uses a registration's own prefix, and none when it is empty", async () => {
    const client = await connect({}, { a: { prefix: "" }, b: { prefix: "bee" } });
    expect(await client.toolNames()).toEqual(["echo", "alpha", "bee__echo", "bee__beta"]);
    expect(await client.callText("bee__beta")).toBe(`${b.name}/beta`);
  });

  it("joins prefix and name with settings.prefixSeparator", async () => {
    const client = await connect({ prefixSeparator: "." });
    expect(await client.toolNames()).toEqual(["a.echo", "a.alpha", "b.echo", "b.beta"]);
    expect(await client.callText("b.beta")).toBe(`${b.name}/beta`);
  });

  it("maps prompt names the same way, both in prompts/list and prompts/get", async () => {
    const client = await connect({ prefixStrategy: "conflicts" });
    const prompts = await client.result<{ prompts: Array<{ name: string }> }>("prompts/list");
    expect(prompts.prompts.map((p) => p.name)).toEqual(["a__greeting", "b__greeting"]);
    const got = await client.result<{ messages: Array<{ content: { text: string } }> }>("prompts/get", {
      name: "b__greeting",
      arguments: { who: "Ada" },
    });
    expect(got.messages[0]!.content.text).toBe(`Hello, Ada, from ${b.name}`);
  });
});
