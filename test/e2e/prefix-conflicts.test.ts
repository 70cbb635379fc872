// settings.prefixStrategy "conflicts": a name offered by more than one upstream is
// prefixed with each server's name; a name only one upstream offers is exposed as is.
// `alpha` and `beta` are identical server-everything instances, so all their names are
// shared; `gamma` (an SDK server) shares `echo` with them and has names of its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allStarted,
  connectClient,
  startEverything,
  startGateway,
  refusal,
  Teardown,
  textOf,
  type Connected,
} from "./harness.js";
import { startSdkUpstream } from "./sdk-upstream.js";

const teardown = new Teardown();
let session: Connected;

beforeAll(async () => {
  const [alpha, beta, gamma, gateway] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startSdkUpstream(), (upstream) => upstream.stop()),
    teardown.adopt(startGateway(), (gateway) => gateway.stop()),
  ]);
  await gateway.configure({
    servers: { alpha: { url: alpha.url }, beta: { url: beta.url }, gamma: { url: gamma.url } },
    settings: { prefixStrategy: "conflicts" },
  });
  session = await teardown.adopt(connectClient(gateway), ({ client }) => client.close());
});

afterAll(() => teardown.run());

describe('prefixStrategy "conflicts"', () => {
  it("prefixes every shared tool name and leaves a unique one bare", async () => {
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["alpha__echo", "beta__echo", "gamma__echo", "shout"]));
    expect(names).toEqual(expect.arrayContaining(["alpha__get-sum", "beta__get-sum"]));
    expect(names).not.toContain("echo");
    expect(names).not.toContain("get-sum");
    expect(names).not.toContain("gamma__shout");
    // alpha and beta offer the same tools, so each appears twice, prefixed.
    const alphas = names.filter((n) => n.startsWith("alpha__")).map((n) => n.slice("alpha__".length));
    const betas = names.filter((n) => n.startsWith("beta__")).map((n) => n.slice("beta__".length));
    expect(alphas.length).toBeGreaterThan(5);
    expect(betas.sort()).toEqual(alphas.sort());
    expect(names.filter((n) => !n.includes("__"))).toEqual(["shout"]);
  });

  it("routes each mapped name to the server it came from", async () => {
    const [alpha, gamma, shout] = await Promise.all([
      session.client.callTool({ name: "alpha__echo", arguments: { message: "quiet" } }),
      session.client.callTool({ name: "gamma__echo", arguments: { message: "quiet" } }),
      session.client.callTool({ name: "shout", arguments: { word: "hey" } }),
    ]);
    expect(textOf(alpha)).toBe("Echo: quiet");
    expect(textOf(gamma)).toBe("ECHO: QUIET");
    expect(textOf(shout)).toBe("HEY!");
  });

  it("does not resolve a shared name without its prefix", async () => {
    const error = await refusal(session.client.callTool({ name: "echo", arguments: { message: "x" } }));
    expect(error.data).toMatchObject({ code: "TOOL_NOT_FOUND", name: "echo" });
  });

  it("applies the same rule to prompts", async () => {
    const names = (await session.client.listPrompts()).prompts.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["alpha__simple-prompt", "beta__simple-prompt", "greeting"]));
    expect(names).not.toContain("simple-prompt");
    const greeting = await session.client.getPrompt({ name: "greeting" });
    expect(greeting.messages[0]!.content).toEqual({ type: "text", text: "Hello from the SDK upstream." });
  });
});
