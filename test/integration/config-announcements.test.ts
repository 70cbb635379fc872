// A configuration change that alters what an open client may see (its agent's rules, a
// server registered or disabled) reaches a 2025 session's GET stream, or a 2026-07-28
// subscriptions/listen stream, as a list change within the config refresh window; a change
// that alters nothing for it sends nothing.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { putServer, seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { GatewayClient, messagesOf, SseReader, type SseEvent } from "./support/client.js";
import { postModern } from "./support/hostile.js";

let tenant: FixtureTenant;
let second: FixtureTenant;
const QUIET_MS = 2500;

beforeEach(async () => {
  tenant = FixtureTenant.create("announce");
  second = FixtureTenant.create("announce-2", "second");
  await tenant.configure({ tools: ["echo", "slow"] });
  await second.configure({ tools: ["echo"] });
  await seedConfig({
    servers: { fx: { url: tenant.url } },
    settings: { configRefreshSeconds: 1 },
    agents: { tester: { allow: { servers: ["*"] } }, bystander: { allow: { servers: ["fx"] } } },
  });
});

/** A session reading its GET stream, with its baseline taken. */
async function listening() {
  const client = await GatewayClient.connect();
  expect(await client.toolNames()).toEqual(["fx__echo", "fx__slow"]);
  const reader = new SseReader(await client.stream());
  await reader.next();
  await expect.poll(async () => (await tenant.stats()).listening).toBe(1);
  return { client, reader };
}

const announced = (event: unknown) => messagesOf([event as SseEvent]).map((m) => m.method);

describe("configuration changes", () => {
  it("announce tools/list_changed when the agent's rules change what it sees", async () => {
    const { client, reader } = await listening();
    await env.CONFIG.put(
      "agent:tester",
      JSON.stringify({ allow: { servers: ["*"] }, deny: { tools: { fx: ["slow"] } } }),
    );
    expect(announced(await reader.next())).toEqual(["notifications/tools/list_changed"]);
    expect(await client.toolNames()).toEqual(["fx__echo"]);
    await reader.cancel();
  });

  it("announce a newly registered server's tools", async () => {
    const { client, reader } = await listening();
    await putServer("fy", { url: second.url });
    expect(announced(await reader.next())).toContain("notifications/tools/list_changed");
    expect(await client.toolNames()).toContain("fy__echo");
    await reader.cancel();
  });

  it("reach a 2026-07-28 client's subscriptions/listen stream too", async () => {
    const response = await postModern("subscriptions/listen", { notifications: { toolsListChanged: true } });
    const reader = new SseReader(response);
    expect(await reader.nextMessage()).toMatchObject({ method: "notifications/subscriptions/acknowledged" });
    await env.CONFIG.put(
      "agent:tester",
      JSON.stringify({ allow: { servers: ["*"] }, deny: { tools: { fx: ["slow"] } } }),
    );
    expect(await reader.nextMessage()).toMatchObject({ method: "notifications/tools/list_changed" });
    await reader.cancel();
  });

  it("say nothing when the change does not alter the session's view", async () => {
    const { reader } = await listening();
    await env.CONFIG.put("agent:bystander", JSON.stringify({ allow: { servers: [] } }));
    expect(await reader.nextMessage(QUIET_MS)).toBe("timeout");
    await reader.cancel();
  });
});
