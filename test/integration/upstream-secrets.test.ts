// Secrets a registration sends upstream (`${FIXTURE_SECRET}` in its headers) never come
// back out of the gateway, whatever the upstream does with them: an upstream that quotes
// its credentials when it refuses initialize or a list, or answers a call with them, has
// them replaced before its text reaches a client (errors, the `_meta` of merged lists,
// results), in both eras, and before it reaches a log line.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";
import { captureLogs, type CapturedLogs } from "./support/logs.js";

const UNAVAILABLE = "mcp-edge-gateway/unavailable";
const CREDENTIALS = {
  authorization: "Bearer ${FIXTURE_SECRET}",
  "x-upstream-key": "${FIXTURE_SECRET}",
  "x-team": "qa",
};

/** One request of either era, answered over HTTP 200. */
type Ask = (method: string, params?: Record<string, unknown>) => Promise<RpcMessage>;

const ERAS: Array<[string, () => Promise<Ask>]> = [
  [
    "a 2025-era session",
    async () => {
      const client = await GatewayClient.connect();
      return (method, params) => client.rpc(method, params);
    },
  ],
  ["a 2026-07-28 request", async () => (method, params) => askModern(method, params ?? {})],
];

const base64 = (text: string) => btoa(text);

/** Every form the secret can take in text a client or an operator reads. */
function secretForms(): string[] {
  const secret = inject("fixtureSecret");
  return [secret, JSON.stringify(secret).slice(1, -1), base64(secret), base64(`svc:${secret}`)];
}

function expectNoSecret(text: string, where: string): void {
  for (const form of secretForms()) expect(text, `${where} holds the secret as ${form}`).not.toContain(form);
}

let leaky: FixtureTenant;
let healthy: FixtureTenant;
let logs: CapturedLogs;

beforeEach(async () => {
  leaky = FixtureTenant.create("secrets-leaky");
  healthy = FixtureTenant.create("secrets-healthy");
  await leaky.configure({ tools: ["echo", "credentials"] });
  await healthy.configure({ tools: ["echo"] });
  await seedConfig({ servers: { leaky: { url: leaky.url, headers: CREDENTIALS }, healthy: { url: healthy.url } } });
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The upstream did get the secret: it was configured, only never to be shown. */
async function expectSecretSentUpstream(): Promise<void> {
  const sent = (await leaky.stats()).requests.find((r) => r.headers["x-upstream-key"] !== undefined);
  expect(sent?.headers["x-upstream-key"]).toBe(inject("fixtureSecret"));
}

describe.each(ERAS)("an upstream's credentials, for %s", (_era, connect) => {
  it("are not in the errors, the merged list's _meta or the logs when the upstream refuses initialize quoting them", async () => {
    await leaky.configure({ fault: { kind: "quote_credentials", methods: ["initialize"] } });
    const ask = await connect();

    const list = await ask("tools/list");
    expect(list.error).toBeUndefined();
    expect((list.result!["tools"] as Array<{ name: string }>).map((t) => t.name)).toEqual(["healthy__echo"]);
    const unavailable = (list.result!["_meta"] as Record<string, unknown>)[UNAVAILABLE];
    expect(unavailable).toEqual([
      { server: "leaky", code: "UPSTREAM_ERROR", message: expect.stringContaining("'leaky'") },
    ]);
    expectNoSecret(JSON.stringify(list), "the merged tools/list");

    const call = await ask("tools/call", { name: "leaky__echo", arguments: { text: "x" } });
    expect(call.error?.data).toMatchObject({ code: "UPSTREAM_ERROR", server: "leaky" });
    expectNoSecret(JSON.stringify(call), "the call's error");

    await expectSecretSentUpstream();
    const failures = [...logs.events("upstream.initialize_failed"), ...logs.events("upstream.list_failed")];
    expect(failures.map((line) => line["server"])).toContain("leaky");
    expectNoSecret(logs.raw().join("\n"), "the log");
  });

  it("are not in the errors, the merged list's _meta or the logs when the upstream refuses tools/list quoting them", async () => {
    await leaky.configure({ fault: { kind: "quote_credentials", methods: ["tools/list"] } });
    const ask = await connect();

    const list = await ask("tools/list");
    expect(list.error).toBeUndefined();
    const unavailable = (list.result!["_meta"] as Record<string, unknown>)[UNAVAILABLE];
    expect(unavailable).toEqual([
      { server: "leaky", code: "UPSTREAM_ERROR", message: expect.stringContaining("tools/list failed") },
    ]);
    expectNoSecret(JSON.stringify(list), "the merged tools/list");

    const call = await ask("tools/call", { name: "leaky__echo", arguments: { text: "x" } });
    expect(call.error?.data).toMatchObject({ code: "UPSTREAM_ERROR", server: "leaky" });
    expectNoSecret(JSON.stringify(call), "the call's error");

    await expectSecretSentUpstream();
    expect(logs.events("upstream.list_failed").map((line) => line["server"])).toContain("leaky");
    expectNoSecret(logs.raw().join("\n"), "the log");
  });

  it("are not in the error of a call the upstream refuses quoting them; the rest of the error is relayed", async () => {
    await leaky.configure({ fault: { kind: "quote_credentials", methods: ["tools/call"] } });
    const ask = await connect();
    const call = await ask("tools/call", { name: "leaky__echo", arguments: { text: "x" } });
    expect(call.error).toMatchObject({
      code: -32001,
      message: expect.stringMatching(/^Unauthorized: authorization 'Bearer /),
    });
    expect(call.error?.message).toContain("were not accepted");
    expectNoSecret(JSON.stringify(call), "the call's error");
    await expectSecretSentUpstream();
  });

  it("are not in the result of a tool that echoes them, as sent, JSON-escaped or inside Basic credentials", async () => {
    const ask = await connect();
    const call = await ask("tools/call", { name: "leaky__credentials" });
    expect(call.error).toBeUndefined();
    expectNoSecret(JSON.stringify(call.result), "the tool's result");

    // The rest of what the tool said is intact.
    const [sent, asJson, basic] = (call.result!["content"] as Array<{ type: string; text: string }>).map((c) => c.text);
    expect(sent).toMatch(/^authorization: Bearer \S/);
    expect(sent).toContain("\nx-team: qa");
    expect(JSON.parse(asJson!)).toMatchObject({ "x-team": "qa" });
    expect(basic!.match(/^Authorization: Basic \S/gm)).toHaveLength(2);
    await expectSecretSentUpstream();
  });
});
