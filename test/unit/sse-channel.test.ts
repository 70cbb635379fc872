// The HTTP+SSE transport's channel against a hand-written server on loopback, which can
// misbehave on purpose: answers found by id, progress by token, a question with nobody to
// ask refused at once, an endpoint on another origin refused, calls failed when the stream
// ends, the registration's secrets replaced in what is read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedServer } from "../../src/config/snapshot.js";
import type { JsonRpcNotification } from "../../src/mcp/jsonrpc.js";
import { SecretForms } from "../../src/observe/secret-forms.js";
import { SseChannel } from "../../src/upstream/sse-channel.js";

interface Upstream {
  url: string;
  /** Messages POSTed to the endpoint. */
  posted: Array<Record<string, unknown>>;
  /** Writes an SSE `message` event on the open stream. */
  send(message: unknown): void;
  /** Ends the open stream. */
  end(): void;
  close(): Promise<void>;
}

const running: Upstream[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((u) => u.close()));
});

/** A server whose GET /sse opens a stream that first names `endpoint`; POSTs are recorded and, for requests, `answer`ed. */
async function startUpstream(
  endpoint = "/message?sessionId=s1",
  answer: (message: Record<string, unknown>, upstream: Upstream) => void = () => undefined,
): Promise<Upstream> {
  let stream: ServerResponse | undefined;
  const posted: Array<Record<string, unknown>> = [];
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: endpoint\ndata: ${endpoint}\n\n`);
      stream = res;
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const message = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      posted.push(message);
      res.writeHead(202).end();
      answer(message, upstream);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const upstream: Upstream = {
    url: `http://127.0.0.1:${port}/sse`,
    posted,
    send: (message) => stream?.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`),
    end: () => stream?.end(),
    close: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
  running.push(upstream);
  return upstream;
}

function serverFor(url: string, secret?: string): ResolvedServer {
  return {
    name: "old",
    registration: { url } as ResolvedServer["registration"],
    headers: secret ? { "x-key": secret } : {},
    secretForms: secret ? SecretForms.of([secret]) : undefined,
    timeoutMs: 2000,
    retries: 0,
    breaker: { failures: 100, openMs: 1000 },
    fingerprint: `fp-${url}`,
    pinning: { mode: "off", approved: {}, key: "" } as unknown as ResolvedServer["pinning"],
  };
}

const request = (id: string, method = "tools/call", params: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0" as const,
  id,
  method,
  params,
});

describe("SseChannel", () => {
  it("posts to the endpoint the stream names and finds each answer by id", async () => {
    const upstream = await startUpstream("/message?sessionId=s1", (message, u) => {
      if (message["id"] === "b") u.send({ jsonrpc: "2.0", id: "b", result: { n: 2 } });
      if (message["id"] === "a") u.send({ jsonrpc: "2.0", id: "a", result: { n: 1 } });
    });
    const channel = await SseChannel.open(serverFor(upstream.url));
    expect(channel.endpoint).toBe(upstream.url.replace("/sse", "/message?sessionId=s1"));
    const [a, b] = await Promise.all([channel.request(request("a"), {}), channel.request(request("b"), {})]);
    expect(a).toEqual({ jsonrpc: "2.0", id: "a", result: { n: 1 } });
    expect(b).toEqual({ jsonrpc: "2.0", id: "b", result: { n: 2 } });
    channel.close();
  });

  it("gives a call the progress sent for its token, and other notifications to the oldest call", async () => {
    const upstream = await startUpstream(undefined, (message, u) => {
      const token = ((message["params"] as Record<string, unknown>)["_meta"] as Record<string, unknown>)[
        "progressToken"
      ];
      u.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: 1 } });
      u.send({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } });
      u.send({ jsonrpc: "2.0", id: message["id"], result: {} });
    });
    const channel = await SseChannel.open(serverFor(upstream.url));
    const heard: JsonRpcNotification[] = [];
    await channel.request(request("p", "tools/call", { _meta: { progressToken: "t-1" } }), {
      onNotification: (n) => heard.push(n),
    });
    expect(heard.map((n) => n.method)).toEqual(["notifications/progress", "notifications/message"]);
    channel.close();
  });

  it("refuses at once a question nobody can answer, and relays one to the call that can", async () => {
    const upstream = await startUpstream(undefined, (message, u) => {
      if (message["method"] === "tools/call") u.send({ jsonrpc: "2.0", id: 99, method: "roots/list" });
      if (message["id"] === 99) u.send({ jsonrpc: "2.0", id: "q", result: { relayed: message } });
    });
    const channel = await SseChannel.open(serverFor(upstream.url));
    const answer = await channel.request(request("q"), {
      onRequest: async () => ({ result: { roots: [] } }),
    });
    expect(answer).toMatchObject({ result: { relayed: { id: 99, result: { roots: [] } } } });

    upstream.send({ jsonrpc: "2.0", id: 100, method: "sampling/createMessage", params: {} });
    await expect.poll(() => upstream.posted.find((m) => m["id"] === 100)).toMatchObject({ error: { code: -32601 } });
    channel.close();
  });

  it("fails the calls in flight when the stream ends, and refuses new ones", async () => {
    const upstream = await startUpstream();
    const channel = await SseChannel.open(serverFor(upstream.url));
    const call = channel.request(request("x"), {});
    await expect.poll(() => upstream.posted.length).toBe(1);
    upstream.end();
    await expect(call).rejects.toMatchObject({ code: "UPSTREAM_ERROR" });
    await channel.ended;
    expect(channel.open).toBe(false);
    await expect(channel.request(request("y"), {})).rejects.toMatchObject({ code: "UPSTREAM_ERROR" });
  });

  it("times out a call the upstream never answers", async () => {
    const upstream = await startUpstream();
    const channel = await SseChannel.open(serverFor(upstream.url));
    await expect(channel.request(request("slow"), { timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
    channel.close();
  });

  it("refuses a message endpoint on another origin", async () => {
    const upstream = await startUpstream("http://127.0.0.2:9/steal");
    await expect(SseChannel.open(serverFor(upstream.url))).rejects.toThrow(/another origin/);
  });

  it("replaces the registration's secrets in what it reads", async () => {
    const secret = "s3cr3t-upstream-key-value";
    const upstream = await startUpstream(undefined, (message, u) =>
      u.send({ jsonrpc: "2.0", id: message["id"], result: { echo: `key is ${secret}` } }),
    );
    const channel = await SseChannel.open(serverFor(upstream.url, secret));
    const answer = await channel.request(request("s"), {});
    expect(JSON.stringify(answer)).not.toContain(secret);
    channel.close();
  });
});
