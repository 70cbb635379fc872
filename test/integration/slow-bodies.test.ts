// A request body that takes too long to arrive is cut off: after `settings.bodyReadTimeoutMs`
// the gateway answers 408 with a JSON-RPC error instead of holding the connection open.
// The bodies here are streams the test feeds itself: one that never ends, and one that
// trickles in a byte at a time, far slower than the deadline allows.
import { beforeEach, describe, expect, it } from "vitest";
import { ACCEPT_BOTH, GatewayClient, gatewayFetch, initializeRequest, type RpcResponse } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";

const BODY_READ_TIMEOUT_MS = 200;
/** The trickling body sends one byte this often: its whole body takes many deadlines to arrive. */
const TRICKLE_INTERVAL_MS = 50;
/** A gateway that waits for a body that never ends fails the test by running out of this. */
const TEST_TIMEOUT_MS = 10_000;

/** A body stream the test controls; `stop` ends the feeding (the gateway may have cancelled it already). */
interface FedBody {
  stream: ReadableStream<Uint8Array>;
  stop(): void;
}

/** Sends `head` at once, then nothing more, never ending. */
function neverEnding(head: string): FedBody {
  let stopped = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
    },
    pull() {
      // Never enqueues again and never closes: the body stays unfinished.
      return new Promise<void>(() => undefined);
    },
    cancel() {
      stopped = true;
    },
  });
  return { stream, stop: () => void (stopped || stream.cancel().catch(() => undefined)) };
}

/** Sends `body` one byte every TRICKLE_INTERVAL_MS, then ends. */
function trickling(body: string): FedBody {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  let stopped = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, TRICKLE_INTERVAL_MS));
      if (stopped) return;
      if (offset >= bytes.length) controller.close();
      else controller.enqueue(bytes.slice(offset, ++offset));
    },
    cancel() {
      stopped = true;
    },
  });
  return {
    stream,
    stop: () => {
      stopped = true;
    },
  };
}

function postStreaming(body: FedBody, headers: Record<string, string> = {}): Promise<Response> {
  const init = {
    method: "POST",
    headers: { "content-type": "application/json", accept: ACCEPT_BOTH, ...headers },
    body: body.stream,
    duplex: "half",
  };
  return gatewayFetch("/mcp", init as RequestInit);
}

async function expectCutOff(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(408);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as RpcResponse;
  expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: expect.any(Number) } });
  expect(body.error?.data?.code).toEqual(expect.any(String));
  expect(body.result).toBeUndefined();
}

describe("settings.bodyReadTimeoutMs", () => {
  beforeEach(async () => {
    const fx = FixtureTenant.create("slow-bodies");
    await fx.configure({ tools: ["echo"] });
    await seedConfig({ servers: { fx: { url: fx.url } }, settings: { bodyReadTimeoutMs: BODY_READ_TIMEOUT_MS } });
  });

  it(
    "answers 408 to a POST whose body never finishes, and goes on answering whole bodies",
    async () => {
      const body = neverEnding('{"jsonrpc":"2.0","id":0,');
      try {
        await expectCutOff(await postStreaming(body));
      } finally {
        body.stop();
      }
      const session = await GatewayClient.connect();
      expect(await session.callText("fx__echo", { text: "whole" })).toBe("whole");
    },
    TEST_TIMEOUT_MS,
  );

  it("answers 408 to an initialize whose body trickles in a byte at a time", async () => {
    const body = trickling(JSON.stringify(initializeRequest()));
    try {
      await expectCutOff(await postStreaming(body));
    } finally {
      body.stop();
    }
  });

  it("answers 408 to a session's request whose body trickles in a byte at a time", async () => {
    const session = await GatewayClient.connect();
    const body = trickling(
      JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "fx__echo", arguments: {} } }),
    );
    try {
      await expectCutOff(await postStreaming(body, session.headers));
    } finally {
      body.stop();
    }
  });
});
