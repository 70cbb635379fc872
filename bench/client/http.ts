// One HTTP POST (or DELETE) over a keep-alive node:http Agent, timed from the request's start
// to the last byte of the answer. It knows nothing of MCP; mcp-client.ts builds on it.
import { Agent, request } from "node:http";

export interface HttpAnswer {
  status: number;
  contentType: string;
  sessionId: string | undefined;
  body: string;
  /** From the call to the last byte of the body, in milliseconds. */
  ms: number;
}

/** One pool of keep-alive sockets per benchmark target, as many as its concurrency. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, scheduling: "lifo" });
}

export function send(
  agent: Agent,
  url: URL,
  method: "POST" | "DELETE",
  headers: Record<string, string>,
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    const req = request(
      url,
      {
        agent,
        method,
        headers: payload ? { ...headers, "content-length": String(payload.byteLength) } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.once("error", reject);
        res.once("end", () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const sessionId = res.headers["mcp-session-id"];
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"] ?? "",
            sessionId: typeof sessionId === "string" ? sessionId : undefined,
            body: Buffer.concat(chunks).toString("utf8"),
            ms,
          });
        });
      },
    );
    req.once("error", reject);
    req.end(payload);
  });
}
