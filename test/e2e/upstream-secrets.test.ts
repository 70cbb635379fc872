// A Worker secret with characters that JSON escapes (`"` and `\`), sent upstream through a
// registration's `${UPSTREAM_TOKEN}` header references, and a fixture tool that answers
// with the credentials it received (test/fixtures/upstream-server.mjs, `credentials`): as
// sent, inside a JSON document, and base64 inside Basic credentials. Neither SDK client
// (v1, 2025-era; v2, 2026-07-28) is handed the secret in any of those forms, and the rest
// of the result reaches it intact. (The integration tests cover the other paths with a
// secret that needs no escaping.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { startUpstream } from "../fixtures/upstream-server.mjs";
import { allStarted, connectClient, DEFAULT_KEY, startGateway, Teardown, textOf, type Gateway } from "./harness.js";
import { callTool, connectModernClient } from "./modern-client.js";

const SECRET = `e2e"token\\${randomUUID()}`;
const TENANT = "secrets";

const teardown = new Teardown();
let gateway: Gateway;
let upstreamOrigin: string;

beforeAll(async () => {
  const [upstream, started] = await allStarted([
    teardown.adopt(startUpstream(), (u) => u.close()),
    teardown.adopt(startGateway({ vars: { UPSTREAM_TOKEN: SECRET } }), (g) => g.stop()),
  ]);
  gateway = started;
  upstreamOrigin = upstream.origin;
  const control = await fetch(`${upstreamOrigin}/${TENANT}/control`, {
    method: "POST",
    body: JSON.stringify({ tools: ["echo", "credentials"] }),
  });
  expect(control.status).toBe(200);
  await gateway.configure({
    servers: {
      fx: {
        url: `${upstreamOrigin}/${TENANT}/mcp`,
        headers: { authorization: "Bearer ${UPSTREAM_TOKEN}", "x-upstream-key": "${UPSTREAM_TOKEN}", "x-team": "qa" },
      },
    },
  });
});

afterAll(() => teardown.run());

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The secret as sent, JSON-escaped, and base64 inside the Basic credentials the tool builds. */
const FORMS = { "as sent": SECRET, "JSON-escaped": JSON.stringify(SECRET).slice(1, -1), base64: base64(SECRET) };

function expectNoSecretIn(text: string): void {
  for (const [form, value] of [...Object.entries(FORMS), ["base64 of svc:<secret>", base64(`svc:${SECRET}`)]]) {
    expect(text, `the secret ${form}`).not.toContain(value);
  }
}

/** The tool said everything else it says. */
function expectRestIntact(text: string): void {
  expect(text).toMatch(/^authorization: Bearer \S/);
  expect(text).toContain("\nx-team: qa");
  expect(text).toContain('"x-team":"qa"');
  expect(text.match(/^Authorization: Basic \S/gm)).toHaveLength(2);
}

/** The upstream did receive the secret: the gateway sent it, as configured. */
async function expectSentUpstream(): Promise<void> {
  const stats = (await (await fetch(`${upstreamOrigin}/${TENANT}/control`)).json()) as {
    requests: Array<{ tool: string | null; headers: Record<string, string> }>;
  };
  const call = stats.requests.find((r) => r.tool === "credentials");
  expect(call?.headers["x-upstream-key"]).toBe(SECRET);
}

describe("a tool that echoes the credentials the gateway sent it", () => {
  it("does not hand the secret to a 2025-era client in any form", async () => {
    const { client } = await teardown.adopt(connectClient(gateway), (c) => c.client.close());
    const text = textOf(await client.callTool({ name: "fx__credentials", arguments: {} }));
    expectNoSecretIn(text);
    expectRestIntact(text);
    await expectSentUpstream();
  });

  it("does not hand the secret to a 2026-07-28 client in any form", async () => {
    const connected = await teardown.adopt(
      connectModernClient(gateway.endpoint, { apiKey: DEFAULT_KEY, negotiation: "modern" }),
      (c) => c.close(),
    );
    const text = textOf(await callTool(connected, "fx__credentials"));
    expectNoSecretIn(text);
    expectRestIntact(text);
    await expectSentUpstream();
  });
});
