// An upstream using SSE polling, end to end: the gateway resumes the call's event stream
// with Last-Event-ID (after the `retry` the upstream gave) for an SDK v1 client and for an
// SDK v2 client in 2026-07-28 mode, which never see the interruption.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { allStarted, DEFAULT_KEY, startGateway, Teardown, textOf, type Gateway } from "./harness.js";
import { callToolWithProgress, connectModernClient } from "./modern-client.js";
import { startPollingUpstream, type PollingUpstream } from "./polling-upstream.js";

const teardown = new Teardown();
let gateway: Gateway;
let upstream: PollingUpstream;

beforeAll(async () => {
  [upstream, gateway] = await allStarted([
    teardown.adopt(startPollingUpstream(), (u) => u.stop()),
    teardown.adopt(startGateway(), (g) => g.stop()),
  ]);
  await gateway.configure({ servers: { polling: { url: upstream.url } } });
});

afterAll(() => teardown.run());

/** What the upstream saw since `from`: the call closed early, and GETs resumed it by event id. */
function expectResumedSince(from: { requests: number; closedEarly: number }): void {
  expect(upstream.closedEarly).toBe(from.closedEarly + 1);
  const resumed = upstream.requests.slice(from.requests).filter((r) => r.httpMethod === "GET" && r.lastEventId);
  expect(resumed.length).toBeGreaterThanOrEqual(1);
}

const mark = () => ({ requests: upstream.requests.length, closedEarly: upstream.closedEarly });

describe("an upstream that closes a call's stream and expects the client to poll", () => {
  it("answers an SDK v1 client with the progress and the result, as if the stream had never closed", async () => {
    const client = new LegacyClient({ name: "e2e-polling-v1", version: "1.0.0" });
    await client.connect(
      new LegacyTransport(gateway.endpoint, { requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } } }),
    );
    teardown.adopt(Promise.resolve(client), (c) => c.close());
    const from = mark();
    const progress: number[] = [];
    const result = await client.callTool({ name: "polling__report", arguments: { topic: "sales" } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(textOf(result)).toBe("report on sales");
    expect(progress).toEqual([1, 2]);
    expectResumedSince(from);
  });

  it("answers an SDK v2 client in 2026-07-28 mode the same way, through the held session", async () => {
    const modern = await teardown.adopt(
      connectModernClient(gateway.endpoint, { apiKey: DEFAULT_KEY, negotiation: "modern" }),
      (c) => c.close(),
    );
    const from = mark();
    const { result, progress } = await callToolWithProgress(modern, "polling__report", { topic: "costs" });
    expect(textOf(result)).toBe("report on costs");
    expect(progress.map((p) => p.progress)).toEqual([1, 2]);
    expectResumedSince(from);
  });
});
