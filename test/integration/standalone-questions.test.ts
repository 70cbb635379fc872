// Questions an upstream asks outside the call's own response stream: the fixture's
// `ask_roots` tool sends `roots/list` on its session's standalone GET stream (as the MCP
// reference server's get-roots-list does) and waits for the answer. A legacy client that
// declared `roots` and has its GET stream open is asked there, and its answer goes back to
// the upstream; in every other case the upstream gets a JSON-RPC error at once, so the
// call is answered promptly. The upstream and the gateway would wait 20 s; each test gives
// up long before, so a question left unanswered fails it.
import { beforeEach, describe, expect, it } from "vitest";
import { GatewayClient, messagesOf, parseSse, SseReader, type RpcMessage } from "./support/client.js";
import { seedConfig } from "./support/config.js";
import { FixtureTenant } from "./support/fixture.js";
import { askModern, postModern } from "./support/hostile.js";

/** The upstream's own wait for an answer, and the gateway's timeout for the call. */
const UPSTREAM_WAIT_MS = 20_000;
/** Far shorter than UPSTREAM_WAIT_MS: a test that waits out the upstream fails. */
const TEST_TIMEOUT_MS = 8_000;
/** How long `ask_roots` waits for a GET stream on its session before asking (see the fixture). */
const LISTENER_GRACE_MS = 3_000;
const ROOTS = [{ uri: "file:///workspace/project", name: "project" }];

let tenant: FixtureTenant;

beforeEach(async () => {
  tenant = FixtureTenant.create("questions");
  await tenant.configure({ tools: ["echo", "ask_roots"] });
  await seedConfig({ servers: { fx: { url: tenant.url, timeoutMs: UPSTREAM_WAIT_MS } } });
});

const askRoots = (args: Record<string, unknown> = {}) => ({ name: "fx__ask_roots", arguments: args });

/** The JSON-RPC answer to `id` in an HTTP answer (JSON or an event stream). */
async function answerTo(response: Response, id: string | number): Promise<RpcMessage> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const messages = response.headers.get("content-type")?.startsWith("text/event-stream")
    ? messagesOf(parseSse(text))
    : [JSON.parse(text) as RpcMessage];
  const answer = messages.find((m) => m.id === id && m.method === undefined);
  expect(answer, text).toBeDefined();
  return answer!;
}

/** The text of a tool result. */
function textOf(answer: RpcMessage): string {
  expect(answer.error, JSON.stringify(answer.error)).toBeUndefined();
  return (answer.result!["content"] as Array<{ text: string }>)[0]!.text;
}

/** The upstream asked, and got a JSON-RPC error (not its own timeout); the call said so. */
async function expectRefusedAtOnce(answer: RpcMessage): Promise<void> {
  expect(textOf(answer)).toMatch(/^roots\/list failed: /);
  const { questions } = await tenant.stats();
  expect(questions).toHaveLength(1);
  expect(questions[0]).toMatchObject({ method: "roots/list", outcome: "error" });
  expect(questions[0]!.code).not.toBe(-32001);
  expect(questions[0]!.error).not.toMatch(/timed out/i);
}

async function waitUntilListening(): Promise<void> {
  await expect.poll(async () => (await tenant.stats()).listening).toBeGreaterThan(0);
}

describe("an upstream's question on its standalone stream", () => {
  it(
    "reaches a legacy client that declared roots on its GET stream, and its answer reaches the upstream",
    async () => {
      const client = await GatewayClient.open({ capabilities: { roots: { listChanged: false } } });
      const opened = await client.stream();
      expect(opened.status).toBe(200);
      const stream = new SseReader(opened);
      try {
        await waitUntilListening();
        const id = client.takeId();
        const call = client.post({ jsonrpc: "2.0", id, method: "tools/call", params: askRoots() });

        let question: RpcMessage | "end" | "timeout";
        do question = await stream.nextMessage(TEST_TIMEOUT_MS);
        while (typeof question === "object" && question.method !== "roots/list");
        expect(question).toMatchObject({ jsonrpc: "2.0", method: "roots/list", id: expect.anything() });
        const asked = question as RpcMessage;
        const answered = await client.post({ jsonrpc: "2.0", id: asked.id, result: { roots: ROOTS } });
        expect(answered.status).toBe(202);

        expect(textOf(await answerTo(await call, id))).toBe(`roots: ${ROOTS[0]!.uri}`);
        expect((await tenant.stats()).questions).toEqual([
          expect.objectContaining({ outcome: "result", result: { roots: ROOTS } }),
        ]);
      } finally {
        await stream.cancel();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "is refused at once for a legacy client that did not declare roots, though its GET stream is open",
    async () => {
      const client = await GatewayClient.open();
      const stream = new SseReader(await client.stream());
      try {
        await waitUntilListening();
        await expectRefusedAtOnce(await client.rpc("tools/call", askRoots()));
        expect(stream.raw).not.toContain("roots/list");
      } finally {
        await stream.cancel();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "is refused at once for a legacy client that declared roots but has no GET stream open",
    async () => {
      const client = await GatewayClient.open({ capabilities: { roots: { listChanged: false } } });
      await expectRefusedAtOnce(await client.rpc("tools/call", askRoots({ afterListening: LISTENER_GRACE_MS })));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "is refused at once for a 2026-07-28 client listening with subscriptions/listen",
    async () => {
      const listen = await postModern("subscriptions/listen", { notifications: { toolsListChanged: true } });
      expect(listen.status).toBe(200);
      const stream = new SseReader(listen);
      try {
        await waitUntilListening();
        await expectRefusedAtOnce(await askModern("tools/call", askRoots()));
        expect(stream.raw).not.toContain("roots/list");
      } finally {
        await stream.cancel();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "is refused at once for a 2026-07-28 client with no stream open",
    async () => {
      await expectRefusedAtOnce(await askModern("tools/call", askRoots({ afterListening: LISTENER_GRACE_MS })));
    },
    TEST_TIMEOUT_MS,
  );
});
