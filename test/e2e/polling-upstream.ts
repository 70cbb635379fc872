// An upstream that uses SSE polling (2025-11-25, SEP-1699), built with the official SDK v1:
// sessions keep their events (the SDK's InMemoryEventStore) and prime every event stream
// with an id and a `retry`; its `report` tool closes the call's stream before answering,
// so a client must come back with a GET and `Last-Event-ID` to get the progress sent
// meanwhile and the answer. It records every HTTP request, so a test can see the resumption.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";

/** The `retry` every event stream is primed with. */
export const POLLING_RETRY_MS = 100;

export interface PollingUpstream {
  url: string;
  /** Every request: its HTTP method and the Last-Event-ID it carried. */
  requests: Array<{ httpMethod: string; lastEventId: string | undefined }>;
  /** How many times `report` closed its call's stream before answering. */
  closedEarly: number;
  stop(): Promise<void>;
}

function describeServer(upstream: PollingUpstream): McpServer {
  const server = new McpServer({ name: "e2e-polling-upstream", version: "1.0.0" });
  server.registerTool(
    "report",
    { description: "Builds a report slowly, polling", inputSchema: { topic: z.string() } },
    async ({ topic }, extra) => {
      const token = extra._meta?.progressToken;
      const progress = (value: number) =>
        token === undefined
          ? Promise.resolve()
          : extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: value, total: 2 },
            });
      await progress(1);
      if (!extra.closeSSEStream) throw new Error("the transport keeps no events");
      extra.closeSSEStream();
      upstream.closedEarly++;
      await sleep(250);
      await progress(2);
      return { content: [{ type: "text", text: `report on ${topic}` }] };
    },
  );
  return server;
}

export async function startPollingUpstream(): Promise<PollingUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const upstream: PollingUpstream = { url: "", requests: [], closedEarly: 0, stop: () => Promise.resolve() };
  const http: Server = createServer((req, res) => {
    upstream.requests.push({ httpMethod: req.method ?? "GET", lastEventId: header(req, "last-event-id") });
    const sessionId = header(req, "mcp-session-id");
    let transport = sessionId === undefined ? undefined : transports.get(sessionId);
    if (sessionId !== undefined && !transport) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }));
      return;
    }
    if (!transport) {
      const fresh = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        retryInterval: POLLING_RETRY_MS,
        onsessioninitialized: (id) => void transports.set(id, fresh),
        onsessionclosed: (id) => void transports.delete(id),
      });
      transport = fresh;
      void describeServer(upstream).connect(fresh);
    }
    transport.handleRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", resolve);
  });
  const { port } = http.address() as AddressInfo;
  upstream.url = `http://127.0.0.1:${port}/mcp`;
  upstream.stop = () =>
    new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  return upstream;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
