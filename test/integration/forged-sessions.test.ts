// Session ids the gateway did not issue cost it nothing: a random id of the right shape, or
// a real one with one digit changed, gets 404 on POST, GET and DELETE, and no Durable
// Object storage is created for it. Real session ids keep their shape (64 lower-case hex).
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, gatewayFetch, postMcp, unknownSessionId } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

/** The session objects that have storage, as id strings. */
async function storedSessions(): Promise<Set<string>> {
  return new Set((await listDurableObjectIds(env.MCP_SESSION)).map((id) => id.toString()));
}

/** Every way a client can present a session id: a request, a call, a notification, its stream, its end. */
const PRESENTATIONS: Array<[string, (sessionId: string) => Promise<Response>]> = [
  ["POST tools/list", (id) => postMcp({ jsonrpc: "2.0", id: 1, method: "tools/list" }, headersFor(id))],
  [
    "POST tools/call",
    (id) => postMcp({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "fx__echo" } }, headersFor(id)),
  ],
  [
    "POST notification",
    (id) => postMcp({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, headersFor(id)),
  ],
  ["GET", (id) => gatewayFetch("/mcp", { headers: { ...headersFor(id), accept: "text/event-stream" } })],
  ["DELETE", (id) => gatewayFetch("/mcp", { method: "DELETE", headers: headersFor(id) })],
];

function headersFor(sessionId: string): Record<string, string> {
  return { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
}

/** Presents the id as `what`: it must get 404 and leave no new session storage behind. */
async function expectRefusedWithoutStorage(what: string, send: () => Promise<Response>): Promise<void> {
  const before = await storedSessions();
  await expectNotFound(what, await send());
  const created = [...(await storedSessions())].filter((id) => !before.has(id));
  expect(created, `${what} created session storage`).toEqual([]);
}

async function expectNotFound(what: string, response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, `${what}: ${text}`).toBe(404);
  expect(JSON.parse(text)).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "SESSION_NOT_FOUND" } } });
}

describe("a session id the gateway did not issue", () => {
  let real: GatewayClient;

  beforeEach(async () => {
    const fx = FixtureTenant.create("forged");
    await fx.configure({ tools: ["echo"] });
    await seedConfig({ servers: { fx: { url: fx.url } } });
    real = await GatewayClient.connect();
  });

  it("gets 404 on POST, GET and DELETE, and creates no session storage", async () => {
    for (const [what, send] of PRESENTATIONS) {
      for (let i = 0; i < 3; i++) await expectRefusedWithoutStorage(what, () => send(unknownSessionId()));
    }
  });

  it("gets 404 when it is a real session's id with one digit changed, and creates no session storage", async () => {
    const last = real.sessionId.at(-1)!;
    const tampered = real.sessionId.slice(0, -1) + (last === "0" ? "1" : "0");
    expect(tampered).toMatch(/^[0-9a-f]{64}$/);

    for (const [what, send] of PRESENTATIONS) await expectRefusedWithoutStorage(what, () => send(tampered));

    // The real session is untouched by all this.
    expect(await real.callText("fx__echo", { text: "still mine" })).toBe("still mine");
  });
});
