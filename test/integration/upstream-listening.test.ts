// The gateway hears a legacy upstream on its session's standalone (GET) stream for as long
// as a client listens. That stream may end at any time: the upstream restarts and forgets
// the session (answering the old id with the spec's 404, or with 400 as the SDK's examples
// do), or it is briefly unwell (5xx). Each time the gateway opens the stream again, on a new
// session where needed, and list changes keep reaching the client. Only a refusal (the
// upstream offers no stream) stops it for good.
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { GatewayClient, SseReader } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

const LIST_CHANGED = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };

let tenant: FixtureTenant;

beforeEach(async () => {
  tenant = FixtureTenant.create("listening");
  await tenant.configure({ tools: ["echo"] });
  await seedConfig({ servers: { fx: { url: tenant.url } } });
});

/**
 * A client listening on its GET stream, once the gateway listens to the upstream for it;
 * its session ends with the test, so no listener outlives it (the next test's config names
 * another tenant under the same server name).
 */
async function listeningClient(): Promise<{ reader: SseReader }> {
  const client = await GatewayClient.connect();
  onTestFinished(async () => {
    await reader.cancel();
    await client.end();
  });
  await client.toolNames();
  const reader = new SseReader(await client.stream());
  await reader.next();
  await expect.poll(async () => (await tenant.stats()).listening).toBe(1);
  return { reader };
}

async function expectListChangeRelayed(reader: SseReader, tool: string): Promise<void> {
  await tenant.configure({ addTool: tool });
  expect(await reader.nextMessage()).toEqual(LIST_CHANGED);
}

describe("the gateway's listener on a legacy upstream", () => {
  for (const status of [404, 400] as const) {
    it(`opens a new session and listens again when the upstream forgets the old one (${status})`, async () => {
      await tenant.configure({ unknownSessionStatus: status });
      const { reader } = await listeningClient();
      const before = await tenant.stats();

      await tenant.configure({ forgetSessions: true });
      await expect.poll(async () => (await tenant.stats()).listening, { timeout: 10_000 }).toBe(1);
      const after = await tenant.stats();
      expect(after.initialize).toBe(before.initialize + 1);
      const streams = after.requests.filter((r) => r.httpMethod === "GET");
      expect(streams.at(-1)!.sessionId).not.toBe(streams[0]!.sessionId);

      await expectListChangeRelayed(reader, "visible_two");
    });
  }

  it("opens the stream again after the upstream answered it with 503 for a while", async () => {
    const { reader } = await listeningClient();
    await tenant.configure({ fault: { kind: "http503", methods: ["GET"], times: 2 } });
    await tenant.configure({ forgetSessions: true });
    await expect.poll(async () => (await tenant.stats()).listening, { timeout: 15_000 }).toBe(1);
    await expectListChangeRelayed(reader, "visible_two");
  });
});
