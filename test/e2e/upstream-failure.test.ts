// An upstream dies mid-session (SIGKILL): calls to its tools fail with a clean
// SERVER_UNAVAILABLE error that names it, while lists and calls for the other upstream
// go on working. Lists are not cached here (catalogTtlSeconds 0), so every list really
// asks both upstreams and the failure is met, not hidden by a warm catalog. The dead
// upstream's circuit breaker opens, and closes again once it is back (open for 1 s here).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
  type Upstream,
} from "./harness.js";

const SERVER_UNAVAILABLE = -32010;

const teardown = new Teardown();
let gateway: Gateway;
let beta: Upstream;
let session: Connected;

beforeAll(async () => {
  let alpha: Upstream;
  [alpha, beta, gateway] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway(), (gateway) => gateway.stop()),
  ]);
  await gateway.configure({
    servers: { alpha: { url: alpha.url }, beta: { url: beta.url } },
    settings: { catalogTtlSeconds: 0, breakerOpenSeconds: 1 },
  });
  session = await teardown.adopt(connectClient(gateway), ({ client }) => client.close());
});

afterAll(() => teardown.run());

describe("one upstream killed mid-session", () => {
  it("works with both upstreams before the fault", async () => {
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["alpha__echo", "beta__echo"]));
    const result = await session.client.callTool({ name: "beta__echo", arguments: { message: "alive" } });
    expect(textOf(result)).toBe("Echo: alive");
  });

  it("answers calls to the dead upstream's tools with SERVER_UNAVAILABLE naming it", async () => {
    await beta.kill("SIGKILL");

    for (const name of ["beta__echo", "beta__get-sum"]) {
      const error = await refusal(session.client.callTool({ name, arguments: { message: "x", a: 1, b: 2 } }));
      expect(error.code).toBe(SERVER_UNAVAILABLE);
      expect(error.data).toMatchObject({ code: "SERVER_UNAVAILABLE", server: "beta" });
      expect(error.message).toContain("'beta'");
    }
  });

  it("still lists tools, with the live upstream's tools in the list", async () => {
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["alpha__echo", "alpha__get-sum"]));
    // Nothing cached: the dead upstream's tools are left out rather than failing the list.
    expect(names.filter((n) => n.startsWith("beta__"))).toEqual([]);
    const prompts = (await session.client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toContain("alpha__simple-prompt");
  });

  it("keeps calls to the live upstream working", async () => {
    const [echo, sum, prompt] = await Promise.all([
      session.client.callTool({ name: "alpha__echo", arguments: { message: "still alive" } }),
      session.client.callTool({ name: "alpha__get-sum", arguments: { a: 2, b: 3 } }),
      session.client.getPrompt({ name: "alpha__simple-prompt" }),
    ]);
    expect(textOf(echo)).toBe("Echo: still alive");
    expect(textOf(sum)).toBe("The sum of 2 and 3 is 5.");
    expect(prompt.messages).toHaveLength(1);
    // Shared resource URIs belong to alpha, first in name order, so reads still work.
    const read = await session.client.readResource({ uri: "demo://resource/static/document/architecture.md" });
    expect(read.contents[0]).toMatchObject({ mimeType: "text/markdown" });
  });

  it("blames the dead upstream only for names that point at it", async () => {
    const unknownOnLive = await refusal(session.client.callTool({ name: "alpha__no-such-tool", arguments: {} }));
    expect(unknownOnLive.data).toMatchObject({ code: "TOOL_NOT_FOUND" });
    const unknownOnDead = await refusal(session.client.callTool({ name: "beta__no-such-tool", arguments: {} }));
    expect(unknownOnDead.data).toMatchObject({ code: "SERVER_UNAVAILABLE", server: "beta" });
  });

  it("stops calling the dead upstream once its breaker opens, and says so", async () => {
    await vi.waitFor(
      async () => {
        const error = await refusal(session.client.callTool({ name: "beta__echo", arguments: { message: "x" } }));
        expect(error.data).toMatchObject({ code: "SERVER_UNAVAILABLE", server: "beta", breaker: "open" });
        expect((error.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 50 },
    );
  });

  it("lets a new session start and use the live upstream while one is down", async () => {
    const late = await connectClient(gateway, "e2e-late-client");
    try {
      const names = (await late.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("alpha__echo");
      const result = await late.client.callTool({ name: "alpha__echo", arguments: { message: "late" } });
      expect(textOf(result)).toBe("Echo: late");
      const error = await refusal(late.client.callTool({ name: "beta__echo", arguments: { message: "x" } }));
      expect(error.data).toMatchObject({ code: "SERVER_UNAVAILABLE", server: "beta" });
    } finally {
      await late.client.close();
    }
  });

  it("serves the upstream again to new sessions once it is back at the same address", async () => {
    await teardown.adopt(startEverything(beta.port), (upstream) => upstream.kill());
    const fresh = await connectClient(gateway, "e2e-fresh-client");
    try {
      // The breaker lets a probe through within a second; from then on the upstream is back.
      await vi.waitFor(
        async () => {
          const names = (await fresh.client.listTools()).tools.map((t) => t.name);
          expect(names).toEqual(expect.arrayContaining(["alpha__echo", "beta__echo"]));
        },
        { timeout: 15_000, interval: 200 },
      );
      const result = await fresh.client.callTool({ name: "beta__echo", arguments: { message: "back" } });
      expect(textOf(result)).toBe("Echo: back");
    } finally {
      await fresh.client.close();
    }
  });

  it("recovers the session that lived through the outage: the restarted upstream's refusal of the old session re-initializes it", async () => {
    // server-everything answers an unknown session with 400 and an id-less error, not 404.
    const result = await session.client.callTool({ name: "beta__echo", arguments: { message: "same session" } });
    expect(textOf(result)).toBe("Echo: same session");
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["alpha__echo", "beta__echo"]));
  });
});
