// A session id is honoured only for the identity that opened the session (agent, sub-agent
// and endpoint), before anything is done with it: someone else presenting it gets 404 and
// changes nothing. Here the one who opened it has a call in flight, and another agent, the
// same agent as a sub-agent, or the same agent on another endpoint tries to cancel that
// call or end the session: the call completes normally, the upstream hears of no
// cancellation, and the session goes on working.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, messagesOf, parseSse, type Credentials, type RpcMessage } from "./support/client.js";
import { seedConfig, TEST_AGENT } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

const OTHER_KEY = "ownership-other-agent-key-0123456789";
/** How long the `long` tool runs when nobody cancels it. */
const LONG_MS = 2000;

const INTRUDERS: Array<[string, Credentials]> = [
  ["another agent", { key: OTHER_KEY }],
  ["the same agent as a sub-agent", { subAgent: "helper" }],
  ["the same agent on a virtual server's endpoint", { path: "/mcp/coder" }],
];

let tenant: FixtureTenant;

beforeEach(async () => {
  tenant = FixtureTenant.create("ownership");
  await tenant.configure({ tools: ["echo", "long"] });
  await seedConfig({
    servers: { fx: { url: tenant.url } },
    agents: {
      [TEST_AGENT]: { allow: { servers: ["*"], delegates: ["helper"] } },
      helper: { allow: { servers: ["*"] } },
      other: { allow: { servers: ["*"] } },
    },
    virtualServers: { coder: { servers: ["fx"], agents: ["*"] } },
    apiKeys: { [OTHER_KEY]: { agent: "other" } },
  });
});

/** Where the owner's call is answered: in the Worker (a plain call), or by the session object (one that asks for progress). */
const CALLS: Array<[string, { progress: boolean }]> = [
  ["a plain call", { progress: false }],
  ["a call with a progress token", { progress: true }],
];

interface LongCall {
  id: number;
  answer: Promise<Response>;
}

/** Starts the `long` tool in the owner's session and waits until the upstream runs it. */
async function startLongCall(owner: GatewayClient, progress = false): Promise<LongCall> {
  const id = owner.takeId();
  const params = {
    name: "fx__long",
    arguments: { ms: LONG_MS },
    ...(progress ? { _meta: { progressToken: `progress-${id}` } } : {}),
  };
  const answer = owner.post(
    { jsonrpc: "2.0", id, method: "tools/call", params },
    // A plain call is answered in the Worker only for a client that takes JSON alone.
    progress ? {} : { accept: "application/json" },
  );
  await expect.poll(async () => (await tenant.stats()).requests.some((r) => r.tool === "long")).toBe(true);
  return { id, answer };
}

/** The call ended with its own result, as if nobody had interfered. */
async function expectCompletedNormally(call: LongCall): Promise<void> {
  const response = await call.answer;
  const text = await response.text();
  expect(response.status, `the owner's call was answered ${response.status} ${text}`).toBe(200);
  const messages = response.headers.get("content-type")?.startsWith("text/event-stream")
    ? messagesOf(parseSse(text))
    : [JSON.parse(text) as RpcMessage];
  const answer = messages.find((m) => m.id === call.id);
  expect(answer?.result?.["content"], text).toEqual([{ type: "text", text: `${tenant.name}/long` }]);
  expect((await tenant.stats()).cancelled).toEqual([]);
}

async function expectSessionNotFound(response: Response): Promise<void> {
  expect(response.status).toBe(404);
  expect(await response.json()).toMatchObject({ error: { data: { code: "SESSION_NOT_FOUND" } } });
}

describe.each(INTRUDERS)("a session's id presented by %s", (_who, credentials) => {
  it.each(CALLS)("cannot cancel the owner's call in flight: %s", async (_call, { progress }) => {
    const owner = await GatewayClient.connect();
    const call = await startLongCall(owner, progress);
    const cancel = await owner
      .as(credentials)
      .post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: call.id } });
    await expectSessionNotFound(cancel);
    await expectCompletedNormally(call);
    expect(await owner.callText("fx__echo", { text: "still mine" })).toBe("still mine");
  });

  it("cannot end the session, not even while a call is in flight", async () => {
    const owner = await GatewayClient.connect();
    const call = await startLongCall(owner);
    await expectSessionNotFound(await owner.as(credentials).end());
    await expectCompletedNormally(call);
    expect(await owner.callText("fx__echo", { text: "still mine" })).toBe("still mine");
    expect((await tenant.stats()).deleted).toBe(0);
    expect((await owner.end()).status).toBe(204);
  });
});
