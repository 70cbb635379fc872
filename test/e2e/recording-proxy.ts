// A recording HTTP proxy for end-to-end tests, on loopback: it forwards every request to a
// target origin, unchanged, streaming the answer back (SSE included), and records each
// exchange with the JSON-RPC messages POSTed through it. Put in front of an upstream that
// cannot report what reached it (server-everything), it shows what the gateway sent:
// initialize after a restart, notifications/cancelled, the progress token. The target can
// be changed, so an upstream restarted elsewhere keeps the address the gateway knows.
import http from "node:http";
import type { AddressInfo } from "node:net";

const LOOPBACK = "127.0.0.1";

/** One JSON-RPC message POSTed through the proxy. */
export interface ProxiedMessage {
  method?: string;
  id?: unknown;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

/** One HTTP exchange through the proxy. */
export interface ProxiedExchange {
  httpMethod: string;
  /** The Mcp-Session-Id the request carried, if any. */
  sessionId: string | undefined;
  /** The W3C `traceparent` header the request carried, if any. */
  traceparent: string | undefined;
  /** The JSON-RPC messages of a POST body (one, or a batch's). */
  messages: ProxiedMessage[];
  /** The target's HTTP status, once it answered; 502 when it could not be reached. */
  status?: number;
  /** The answer is still being streamed to the gateway (an open GET stream, say). */
  open: boolean;
}

export interface RecordingProxy {
  /** The proxied MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  exchanges: ProxiedExchange[];
  /** Every POSTed message so far with that method, in order. */
  sent(method: string): ProxiedMessage[];
  /** Sends later requests to this origin (`http://127.0.0.1:<port>`). */
  retarget(origin: string): void;
  stop(): Promise<void>;
}

/** Starts a proxy on a free loopback port, forwarding to `target` (an origin). */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  let origin = new URL(target).origin;
  const exchanges: ProxiedExchange[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const header = req.headers["mcp-session-id"];
      const exchange: ProxiedExchange = {
        httpMethod: req.method ?? "GET",
        sessionId: Array.isArray(header) ? header[0] : header,
        traceparent: req.headers["traceparent"] as string | undefined,
        messages: parseMessages(body),
        open: false,
      };
      exchanges.push(exchange);
      const forwarded = http.request(
        new URL(req.url ?? "/", origin),
        { method: req.method, headers: { ...req.headers, host: new URL(origin).host } },
        (answer) => {
          exchange.status = answer.statusCode;
          exchange.open = true;
          res.once("close", () => (exchange.open = false));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders();
          answer.pipe(res);
          // The target went away mid-answer (killed, restarted): so does this answer, as the
          // target's own connection would, instead of leaving the gateway on a stream that never ends.
          answer.on("close", () => {
            if (!answer.complete) res.destroy();
          });
        },
      );
      forwarded.on("error", () => {
        exchange.status ??= 502;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("upstream unreachable");
        else res.destroy();
      });
      // The gateway hung up (a cancelled call, a closed listener): hang up on the target too.
      res.on("close", () => {
        if (!res.writableFinished) forwarded.destroy();
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK}:${port}/mcp`,
    exchanges,
    sent: (method) => exchanges.flatMap((e) => e.messages.filter((m) => m.method === method)),
    retarget(next) {
      origin = new URL(next).origin;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseMessages(body: Buffer): ProxiedMessage[] {
  if (body.length === 0) return [];
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    const all = Array.isArray(parsed) ? parsed : [parsed];
    return all.filter((m): m is ProxiedMessage => typeof m === "object" && m !== null);
  } catch {
    return [];
  }
}
