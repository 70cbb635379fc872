// An upstream of the 2025 revisions may end a call's event stream before the answer (SSE
// polling: it primed the stream with an event id and a `retry`, then closed it on purpose;
// or the connection dropped). The gateway resumes as a conforming client does: after the
// `retry` it was given, a GET on the session with `Last-Event-ID`, whose stream brings what
// the upstream sent meanwhile and the answer. The fixture's `polled` tool closes its stream
// and answers later, on a tenant whose sessions keep their events (`pollingRetryMs`).
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant, type RecordedRequest } from "./support/fixture.js";
import { askModern } from "./support/hostile.js";

const RETRY_MS = 150;

let tenant: FixtureTenant;

beforeEach(async () => {
  tenant = FixtureTenant.create("resume");
  await tenant.configure({ tools: ["echo", "polled", "sse_close"], pollingRetryMs: RETRY_MS });
  await seedConfig({ servers: { fx: { url: tenant.url } } });
});

const progress = (progressToken: string | number, value: number): RpcMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken, progress: value, total: 2 },
});

/** The GETs that resumed a stream: each names the last event id the gateway had seen. */
async function resumes(): Promise<RecordedRequest[]> {
  return (await tenant.stats()).requests.filter((r) => r.httpMethod === "GET" && r.headers["last-event-id"]);
}

describe("an upstream that closes a call's event stream before answering (SSE polling)", () => {
  it("is resumed with Last-Event-ID: a 2025 client gets the progress sent meanwhile, then the answer", async () => {
    const client = await GatewayClient.connect();
    const { id, messages } = await client.exchange("tools/call", {
      name: "fx__polled",
      arguments: { ms: 200 },
      _meta: { progressToken: "p" },
    });
    expect(messages).toEqual([
      progress("p", 1),
      progress("p", 2),
      { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `${tenant.name}/polled` }] } },
    ]);
    const stats = await tenant.stats();
    expect(stats.polled).toBe(1);
    const resumed = await resumes();
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    const call = stats.requests.find((r) => r.tool === "polled")!;
    expect(resumed[0]!.sessionId).toBe(call.sessionId);
    expect(resumed[0]!.headers["mcp-protocol-version"]).toBeDefined();
  });

  it("is resumed for a call that asked for no progress (answered in the Worker, or by the session object)", async () => {
    const client = await GatewayClient.connect();
    expect(await client.callText("fx__polled", { ms: 200 })).toBe(`${tenant.name}/polled`);
    expect(await resumes()).not.toHaveLength(0);
  });

  it("is resumed for a 2026-07-28 client, through the agent's held session", async () => {
    const answer = await askModern("tools/call", { name: "fx__polled", arguments: { ms: 200 } });
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ content: [{ type: "text", text: `${tenant.name}/polled` }] });
    expect(await resumes()).not.toHaveLength(0);
  });

  it("fails the call with -32012 naming the status when the upstream refuses the resumption", async () => {
    await tenant.configure({ fault: { kind: "http500", methods: ["GET"] } });
    const client = await GatewayClient.connect();
    const error = await client.error("tools/call", { name: "fx__polled", arguments: { ms: 200 } });
    expect(error.code).toBe(-32012);
    expect(error.message).toMatch(/closed its event stream before answering, and answered HTTP 500 to resuming it/);
  });

  it("still fails a stream closed without an event id: there is nothing to resume from", async () => {
    const client = await GatewayClient.connect();
    const error = await client.error("tools/call", { name: "fx__sse_close", arguments: {} });
    expect(error.code).toBe(-32012);
    expect(error.message).toMatch(/closed its event stream before answering/);
    expect(await resumes()).toHaveLength(0);
  });
});
