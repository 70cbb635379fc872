// How many 2025-era sessions one agent may hold open: `settings.maxSessionsPerAgent`. Beyond
// the cap, initialize is refused with a JSON-RPC error naming the limit (HTTP 429); other
// agents are unaffected, and ending a session (DELETE) frees its place.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { SessionRecord } from "../../src/session/mcp-session.js";
import { GatewayClient, initializeAs, type RpcResponse } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

const CAP = 3;

describe("settings.maxSessionsPerAgent", () => {
  // A new agent in each test, so that no session another test left open counts against it.
  let capped: { agent: string; key: string };

  beforeEach(async () => {
    const id = crypto.randomUUID().slice(0, 8);
    capped = { agent: `capped-${id}`, key: `capped-key-${id}-0123456789` };
    const fx = FixtureTenant.create("session-cap");
    await seedConfig({
      servers: { fx: { url: fx.url } },
      settings: { maxSessionsPerAgent: CAP },
      agents: { [capped.agent]: { allow: { servers: ["*"] } } },
      apiKeys: { [capped.key]: { agent: capped.agent } },
    });
  });

  async function expectRefused(response: Response): Promise<void> {
    const text = await response.text();
    expect(response.status, text).toBe(429);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const body = JSON.parse(text) as RpcResponse;
    expect(body.result).toBeUndefined();
    expect(body.error).toMatchObject({
      code: expect.any(Number),
      message: expect.stringMatching(/session/i),
      data: { code: "LIMIT_EXCEEDED", limit: "maxSessionsPerAgent" },
    });
  }

  it("refuses the agent's next initialize once it holds as many sessions as the cap", async () => {
    const open: GatewayClient[] = [];
    for (let i = 0; i < CAP; i++) open.push(await GatewayClient.open({ key: capped.key }));
    await expectRefused(await initializeAs({ key: capped.key }));
    // The sessions it holds go on working.
    expect(await open[0]!.callText("fx__echo", { text: "still here" })).toBe("still here");
  });

  it("does not count one agent's sessions against another agent", async () => {
    for (let i = 0; i < CAP; i++) await GatewayClient.open({ key: capped.key });
    await expectRefused(await initializeAs({ key: capped.key }));

    const other = await GatewayClient.connect();
    expect(await other.callText("fx__echo", { text: "unaffected" })).toBe("unaffected");
  });

  it("frees a place when the agent ends one of its sessions", async () => {
    const open: GatewayClient[] = [];
    for (let i = 0; i < CAP; i++) open.push(await GatewayClient.open({ key: capped.key }));
    await expectRefused(await initializeAs({ key: capped.key }));

    expect((await open[1]!.end()).status).toBe(204);
    const replacement = await GatewayClient.open({ key: capped.key });
    expect(await replacement.callText("fx__echo", { text: "replaced" })).toBe("replaced");
    await expectRefused(await initializeAs({ key: capped.key }));
  });

  it("frees a place when one of the agent's sessions idles out", async () => {
    const open: GatewayClient[] = [];
    for (let i = 0; i < CAP; i++) open.push(await GatewayClient.open({ key: capped.key }));
    await expectRefused(await initializeAs({ key: capped.key }));

    // One session was last active two hours ago; its alarm ends it.
    const idle = open[2]!;
    await runInDurableObject(idle.stub, async (_instance, state) => {
      const record = (await state.storage.get<SessionRecord>("session"))!;
      await state.storage.put("session", { ...record, lastActiveAt: record.lastActiveAt - 2 * 3600_000 });
    });
    await evictDurableObject(idle.stub);
    expect(await runDurableObjectAlarm(idle.stub)).toBe(true);

    const replacement = await GatewayClient.open({ key: capped.key });
    expect(await replacement.callText("fx__echo", { text: "after idling" })).toBe("after idling");
    await expectRefused(await initializeAs({ key: capped.key }));
  });
});
