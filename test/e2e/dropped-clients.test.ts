// A client that goes away in the middle of sending its body, over a real TCP connection to
// the gateway in workerd: it promises a Content-Length, sends part of the body, and closes
// its side. That is the client's doing: the gateway logs it as such (warn or info, never
// error-level `request.failed`) and, if anyone is still reading, answers with a 4xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { DEFAULT_KEY, startGateway, Teardown, type Gateway } from "./harness.js";

const teardown = new Teardown();
let gateway: Gateway;

beforeAll(async () => {
  gateway = await teardown.adopt(startGateway(), (g) => g.stop());
  await gateway.configure({ servers: {} });
});

afterAll(() => teardown.run());

interface LogLine {
  level: string;
  event: string;
}

/** The gateway's own log lines (JSON objects) among the Worker's output, from `start` on. */
function gatewayLines(start: number): LogLine[] {
  return gateway.logs.slice(start).flatMap((line) => {
    try {
      const parsed = JSON.parse(line.slice(line.indexOf("{"))) as LogLine;
      return typeof parsed.event === "string" ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Sends the head of a POST with `Content-Length: 1000` and the first bytes of its body,
 * then closes the sending side; resolves with whatever came back before the connection closed.
 */
function postAndGoAway(): Promise<string> {
  const socket = connect(Number(gateway.endpoint.port), gateway.endpoint.hostname);
  const partial = '{"jsonrpc":"2.0","id":1,"method":"tools/li';
  const head = [
    `POST ${gateway.endpoint.pathname} HTTP/1.1`,
    `Host: ${gateway.endpoint.host}`,
    `Authorization: Bearer ${DEFAULT_KEY}`,
    "Content-Type: application/json",
    "Accept: application/json, text/event-stream",
    "Content-Length: 1000",
  ].join("\r\n");
  let answer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (answer += chunk));
  socket.once("connect", () => socket.end(`${head}\r\n\r\n${partial}`));
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("close", () => resolve(answer));
  });
}

describe("a client that goes away mid-body", () => {
  it("is logged as the client's doing, not as the gateway's error, and answered as such", async () => {
    const start = gateway.logs.length;
    const answer = await postAndGoAway();
    // The request is logged once the gateway has given up on the body.
    const isAboutIt = (line: LogLine) => !line.event.startsWith("config.");
    await expect.poll(() => gatewayLines(start).filter(isAboutIt)).not.toEqual([]);
    const lines = gatewayLines(start).filter(isAboutIt);
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(lines.map((line) => line.event)).not.toContain("request.failed");
    expect(lines.every((line) => line.level === "warn" || line.level === "info")).toBe(true);
    if (answer !== "") expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
  });
});
