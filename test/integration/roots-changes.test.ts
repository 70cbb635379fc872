// A 2025 client's notifications/roots/list_changed reaches the upstreams that asked it for
// its roots during the session, and only those; the upstreams' own request logs prove it.
import { beforeEach, describe, expect, it } from "vitest";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { GatewayClient, SseReader, type RpcMessage } from "./support/client.js";

let asker: FixtureTenant;
let other: FixtureTenant;

beforeEach(async () => {
  asker = FixtureTenant.create("roots-asker");
  other = FixtureTenant.create("roots-other", "second");
  await asker.configure({ tools: ["roots", "echo"] });
  await other.configure({ tools: ["echo"] });
  await seedConfig({ servers: { asker: { url: asker.url }, other: { url: other.url } } });
});

const rootsChanged = async (tenant: FixtureTenant) =>
  (await tenant.stats()).requests.filter((r) => r.method === "notifications/roots/list_changed");

describe("roots/list_changed", () => {
  it("is forwarded to the upstreams that asked for roots, on the client's own upstream session", async () => {
    const client = await GatewayClient.open({ capabilities: { roots: { listChanged: true } } });
    const id = client.takeId();
    const response = await client.post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "asker__roots" } });
    const reader = new SseReader(response);
    const question = (await reader.nextMessage()) as RpcMessage;
    expect(question).toMatchObject({ method: "roots/list" });
    await client.post({ jsonrpc: "2.0", id: question.id, result: { roots: [{ uri: "file:///work" }] } });
    expect(await reader.rest()).toEqual([
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "roots: file:///work" }] } },
    ]);
    expect(await client.callText("other__echo", { text: "hi" })).toBe("hi");

    const sent = await client.post({ jsonrpc: "2.0", method: "notifications/roots/list_changed" });
    expect(sent.status).toBe(202);
    await expect.poll(async () => (await rootsChanged(asker)).length).toBe(1);
    const [forwarded] = await rootsChanged(asker);
    const call = (await asker.stats()).requests.find((r) => r.tool === "roots");
    expect(forwarded!.sessionId).toBe(call!.sessionId);
    expect(await rootsChanged(other)).toEqual([]);
  });

  it("goes nowhere when no upstream asked", async () => {
    const client = await GatewayClient.open({ capabilities: { roots: { listChanged: true } } });
    expect(await client.callText("asker__echo", { text: "hi" })).toBe("hi");
    expect((await client.post({ jsonrpc: "2.0", method: "notifications/roots/list_changed" })).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await rootsChanged(asker)).toEqual([]);
  });
});
