// A second kind of upstream for the naming tests: a small MCP server built with the
// official SDK's McpServer, stateless over Streamable HTTP, on a loopback port in the
// test's own process. It shares one tool name with server-everything (`echo`) and has
// names of its own, which server-everything cannot give (every instance is identical).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

function describeServer(): McpServer {
  const server = new McpServer({ name: "e2e-sdk-upstream", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes in capitals", inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: "text", text: `ECHO: ${message.toUpperCase()}` }] }),
  );
  server.registerTool(
    "shout",
    { description: "Only this server has it", inputSchema: { word: z.string() } },
    ({ word }) => ({ content: [{ type: "text", text: `${word.toUpperCase()}!` }] }),
  );
  server.registerPrompt("greeting", { description: "Only this server has it" }, () => ({
    messages: [{ role: "user", content: { type: "text", text: "Hello from the SDK upstream." } }],
  }));
  return server;
}

export interface InProcessUpstream {
  url: string;
  stop(): Promise<void>;
}

export function startSdkUpstream(): Promise<InProcessUpstream> {
  return serveStateless(describeServer);
}

/**
 * Serves MCP servers built by `describe` on a loopback port, stateless: a fresh server and
 * transport per request, as the SDK's examples do.
 */
export async function serveStateless(describe: () => McpServer): Promise<InProcessUpstream> {
  const http: Server = createServer((req, res) => {
    const server = describe();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
