// A 2025 client's cancellation may reach another isolate than the one answering its call
// (another Cloudflare location, another machine). Two instances of the Worker run here in
// one Miniflare, sharing KV and the session objects; the SDK v1 client's requests go to
// the first, except its `notifications/cancelled`, which its fetch sends to the second. A
// plain call (no progress token) is answered by the first instance's Worker, so only the
// session object links the two; server-everything, behind a recording proxy, must still be
// told, with the gateway's own id for the call.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  allStarted,
  DEFAULT_KEY,
  startEverything,
  startGateway,
  Teardown,
  type Gateway,
  type Upstream,
  eventually,
} from "./harness.js";
import { startRecordingProxy, type RecordingProxy } from "./recording-proxy.js";

const teardown = new Teardown();
let gateway: Gateway;
let proxy: RecordingProxy;
let client: LegacyClient;
/** Cancellations the client sent, and where they went. */
const cancelsSent: string[] = [];

beforeAll(async () => {
  let everything: Upstream;
  [everything, gateway] = await allStarted([
    teardown.adopt(startEverything(), (upstream) => upstream.kill()),
    teardown.adopt(startGateway({ secondIsolate: true }), (g) => g.stop()),
  ]);
  proxy = await teardown.adopt(startRecordingProxy(everything.url), (p) => p.stop());
  await gateway.configure({ servers: { everything: { url: proxy.url } } });
  const second = gateway.fetchSecond!;
  const transport = new LegacyTransport(gateway.endpoint, {
    requestInit: { headers: { authorization: `Bearer ${DEFAULT_KEY}` } },
    fetch: (url, init) => {
      if (typeof init?.body === "string" && init.body.includes('"notifications/cancelled"')) {
        cancelsSent.push("second isolate");
        return second(url, init ?? {});
      }
      return fetch(url, init);
    },
  });
  client = new LegacyClient({ name: "e2e-cross-isolate", version: "1.0.0" });
  await client.connect(transport);
  teardown.adopt(Promise.resolve(client), (c) => c.close());
});

afterAll(() => teardown.run());

/** Starts a silent long call, cancels it from the second isolate after `waitMs`, and expects server-everything told. */
async function cancelFromSecondIsolate(duration: number, waitMs: number): Promise<void> {
  const controller = new AbortController();
  const from = cancelsSent.length;
  const call = client.callTool(
    { name: "everything__trigger-long-running-operation", arguments: { duration, steps: 2 } },
    undefined,
    { signal: controller.signal },
  );
  const upstreamCall = await eventually("the long call reaching server-everything", () =>
    proxy.sent("tools/call").find((m) => (m.params?.["arguments"] as { duration?: number })?.duration === duration),
  );
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  controller.abort(new Error("cancelled by the test"));
  await expect(call).rejects.toThrow(/cancelled by the test/);
  expect(cancelsSent.slice(from)).toEqual(["second isolate"]);
  await eventually("notifications/cancelled at server-everything", () =>
    proxy.sent("notifications/cancelled").find((m) => m.params?.["requestId"] === upstreamCall.id),
  );
}

describe("a cancellation that reaches another isolate than its call", () => {
  it("reaches the upstream when it lands before the call asked to hear of it", async () => {
    await cancelFromSecondIsolate(8, 0);
  });

  it("reaches the upstream when it lands while the call listens for it", async () => {
    await cancelFromSecondIsolate(9, 1500);
  });
});
