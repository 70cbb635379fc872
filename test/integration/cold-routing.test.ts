// A cold gateway (fresh registration, nothing cached in the isolate) in front of one healthy
// upstream and one that never answers: a call to the healthy upstream's tool, and a merged
// list, must not wait for the hanging one. A prefixed name is routed by its prefix; where
// names carry no prefix, the gateway waits for each upstream only up to
// `settings.listDeadlineMs` and treats the late ones as absent (named in the list's `_meta`).
// The hanging upstream's timeout (60 s) is far longer than each test's own timeout, so a
// gateway that waits for it fails the test; no test measures how long anything took.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { putSettings, reloadConfig, seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";

/** The hanging upstream may take this long to fail: longer than any test below may run. */
const HANG_TIMEOUT_MS = 60_000;
/** A test that waits for the hanging upstream fails by running out of this. */
const TEST_TIMEOUT_MS = 10_000;
/** A new 2025-era session waits up to 3 s at initialize for upstreams to describe themselves (docs/protocol.md, Sessions). */
const SESSION_TEST_TIMEOUT_MS = 15_000;
/** How long lists and prefix-less routing wait for each upstream, in these tests. */
const LIST_DEADLINE_MS = 200;
const UNAVAILABLE = "mcp-edge-gateway/unavailable";

interface Unavailable {
  server: string;
  code: string;
  message?: string;
}

const textOf = (answer: RpcMessage) => (answer.result?.["content"] as Array<{ text: string }> | undefined)?.[0]?.text;
const toolNamesOf = (answer: RpcMessage) =>
  ((answer.result?.["tools"] as Array<{ name: string }> | undefined) ?? []).map((t) => t.name);
const unavailableOf = (answer: RpcMessage) =>
  ((answer.result?.["_meta"] as Record<string, unknown> | undefined)?.[UNAVAILABLE] ?? []) as Unavailable[];

/**
 * Opens a 2025-era session and calls `tool` in it: first with a progress token, which the
 * session object answers itself (docs/protocol.md, Where a call is answered), then plainly.
 */
async function expectFirstSessionCallAnswered(tool: string): Promise<void> {
  const session = await GatewayClient.connect();
  const { id, messages } = await session.exchange("tools/call", {
    name: tool,
    arguments: { text: "first call" },
    _meta: { progressToken: "cold-call" },
  });
  const answer = messages.find((m) => m.id === id && m.method === undefined);
  expect(answer?.error).toBeUndefined();
  expect(answer && textOf(answer)).toBe("first call");
  expect(await session.callText(tool, { text: "plain call" })).toBe("plain call");
}

describe("a cold gateway with one hanging upstream", () => {
  let fx: FixtureTenant;
  let slow: FixtureTenant;
  /** The hanging upstream's registration name, new in each test, as nothing learned of it may carry over. */
  let slowName: string;

  beforeEach(async () => {
    fx = FixtureTenant.create("cold-fx");
    slow = FixtureTenant.create("cold-slow");
    slowName = `slow-${crypto.randomUUID().slice(0, 8)}`;
    await fx.configure({ tools: ["echo"] });
    // Never answers anything: not the era probe, not initialize, not a list.
    await slow.configure({ tools: ["echo", "other"], fault: { kind: "hang" } });
  });

  function servers(fxExtra: Record<string, unknown> = {}, slowExtra: Record<string, unknown> = {}) {
    return {
      fx: { url: fx.url, ...fxExtra },
      [slowName]: { url: slow.url, timeoutMs: HANG_TIMEOUT_MS, ...slowExtra },
    };
  }

  describe("with prefixed names (the default)", () => {
    beforeEach(async () => {
      await seedConfig({ servers: servers() });
    });

    it(
      "answers the first 2026-07-28 tools/call of the healthy upstream's tool",
      async () => {
        const answer = await askModern("tools/call", { name: "fx__echo", arguments: { text: "cold call" } });
        expect(answer.error).toBeUndefined();
        expect(textOf(answer)).toBe("cold call");
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "answers the first tools/call of a new 2025-era session",
      async () => {
        await expectFirstSessionCallAnswered("fx__echo");
      },
      SESSION_TEST_TIMEOUT_MS,
    );
  });

  // Where a name carries no prefix, any upstream might hold it: each is waited for only
  // up to the list deadline, and a late one counts as absent.
  const unprefixed: Array<{
    label: string;
    settings: Record<string, unknown>;
    fx?: Record<string, unknown>;
    slow?: Record<string, unknown>;
    tool: string;
  }> = [
    { label: 'prefixStrategy "never"', settings: { prefixStrategy: "never" }, tool: "echo" },
    { label: 'prefixStrategy "conflicts"', settings: { prefixStrategy: "conflicts" }, tool: "echo" },
    { label: 'prefix "" on the healthy upstream', settings: {}, fx: { prefix: "" }, tool: "echo" },
    { label: 'prefix "" on the hanging upstream', settings: {}, slow: { prefix: "" }, tool: "fx__echo" },
  ];

  describe.each(unprefixed)("with $label", ({ settings, fx: fxExtra, slow: slowExtra, tool }) => {
    beforeEach(async () => {
      await seedConfig({
        servers: servers(fxExtra, slowExtra),
        settings: { ...settings, listDeadlineMs: LIST_DEADLINE_MS },
      });
    });

    it(
      `routes the first 2026-07-28 call of ${tool} to the healthy upstream after waiting for the hanging one only up to settings.listDeadlineMs`,
      async () => {
        const answer = await askModern("tools/call", { name: tool, arguments: { text: "routed" } });
        expect(answer.error).toBeUndefined();
        expect(textOf(answer)).toBe("routed");
      },
      TEST_TIMEOUT_MS,
    );

    it(
      `routes the first call of ${tool} in a new 2025-era session to the healthy upstream`,
      async () => {
        await expectFirstSessionCallAnswered(tool);
      },
      SESSION_TEST_TIMEOUT_MS,
    );

    it(
      "answers tools/list with the healthy upstream's tools and names the hanging one as unavailable (TIMEOUT)",
      async () => {
        const list = await askModern("tools/list");
        expect(list.error).toBeUndefined();
        expect(toolNamesOf(list)).toEqual([tool]);
        expect(unavailableOf(list)).toEqual([expect.objectContaining({ server: slowName, code: "TIMEOUT" })]);
      },
      TEST_TIMEOUT_MS,
    );
  });

  describe.each([
    { label: "prefixed names", settings: {} },
    { label: 'prefixStrategy "never"', settings: { prefixStrategy: "never" } },
  ])("with $label, listed twice", ({ settings }) => {
    beforeEach(async () => {
      await seedConfig({ servers: servers(), settings: { ...settings, listDeadlineMs: LIST_DEADLINE_MS } });
    });

    it(
      "does not wait again for an upstream that just missed the list deadline",
      async () => {
        const first = await askModern("tools/list");
        expect(unavailableOf(first)).toEqual([expect.objectContaining({ server: slowName, code: "TIMEOUT" })]);

        // The deadline now outlasts the test: only a gateway that does not wait for the
        // upstream that just timed out answers this second list in time.
        await putSettings({ ...settings, listDeadlineMs: 2 * TEST_TIMEOUT_MS });
        await reloadConfig();

        const second = await askModern("tools/list");
        expect(second.error).toBeUndefined();
        expect(toolNamesOf(second)).toEqual(toolNamesOf(first));
        expect(unavailableOf(second).map((u) => u.server)).toEqual([slowName]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "answers tools/list in a new 2025-era session, naming the hanging upstream as unavailable",
      async () => {
        const session = await GatewayClient.connect();
        const list = await session.result("tools/list");
        const unavailable = ((list["_meta"] as Record<string, unknown> | undefined)?.[UNAVAILABLE] ??
          []) as Unavailable[];
        expect(unavailable).toEqual([expect.objectContaining({ server: slowName, code: "TIMEOUT" })]);
        expect((list["tools"] as Array<{ name: string }>).map((t) => t.name)).toHaveLength(1);
      },
      SESSION_TEST_TIMEOUT_MS,
    );
  });
});
