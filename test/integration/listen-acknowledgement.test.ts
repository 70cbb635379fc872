// The acknowledgement that opens a 2026-07-28 `subscriptions/listen` stream names only the
// resource URIs the agent may read: asking to watch a resource its rules hide neither
// confirms the subscription nor tells it anything about that URI.
import { beforeEach, describe, expect, it } from "vitest";
import { SseReader, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { postModern } from "./support/hostile.js";

const READER = { agent: "reader", key: "listen-reader-key-0123456789" };

describe("the subscriptions/listen acknowledgement", () => {
  let fx: FixtureTenant;

  beforeEach(async () => {
    fx = FixtureTenant.create("listen-ack");
    await seedConfig({
      servers: { fx: { url: fx.url } },
      agents: { [READER.agent]: { allow: { servers: ["fx"], resources: { fx: [`fixture://${fx.name}/readme`] } } } },
      apiKeys: { [READER.key]: { agent: READER.agent } },
    });
  });

  async function acknowledgement(uris: string[], key?: string): Promise<RpcMessage> {
    const response = await postModern(
      "subscriptions/listen",
      { notifications: { resourceSubscriptions: uris } },
      key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = new SseReader(response);
    try {
      const first = await reader.nextMessage();
      expect(first).toMatchObject({ method: "notifications/subscriptions/acknowledged" });
      return first as RpcMessage;
    } finally {
      await reader.cancel();
    }
  }

  it("names only the resources the agent may read", async () => {
    const readable = `fixture://${fx.name}/readme`;
    const ack = await acknowledgement(
      [readable, `fixture://${fx.name}/items/1`, `fixture://${fx.name}/secret`, "file:///etc/passwd"],
      READER.key,
    );
    expect(ack.params?.["notifications"]).toEqual({ resourceSubscriptions: [readable] });
  });

  it("names every resource asked for when the agent may read them all", async () => {
    const uris = [`fixture://${fx.name}/readme`, `fixture://${fx.name}/items/1`];
    const ack = await acknowledgement(uris);
    expect(ack.params?.["notifications"]).toEqual({ resourceSubscriptions: uris });
  });
});
