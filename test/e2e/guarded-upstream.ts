// The upstream of the guardrail tests: a small official-SDK (v1) McpServer, stateless over
// Streamable HTTP on a loopback port in the test's own process, whose results carry
// personal data and secrets, with a destructive tool, and a tool whose description the
// test changes at run time. It keeps its own log of every tool call it received, the proof
// of what reached it.
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { serveStateless } from "./sdk-upstream.js";

export const CUSTOMER = {
  name: "Ana Lima",
  email: "ana.lima@example.com",
  phone: "+1 415 555 2671",
  apiKey: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
};

export interface GuardedUpstream {
  url: string;
  /** Every tools/call it received: the tool and its arguments, as they arrived. */
  calls: Array<{ tool: string; args: Record<string, unknown> }>;
  /** What `weather` says it does; change it to change the tool's definition. */
  weatherDescription: string;
  stop(): Promise<void>;
}

function describeServer(upstream: GuardedUpstream): McpServer {
  const server = new McpServer({ name: "e2e-guarded-upstream", version: "1.0.0" });
  const record = (tool: string, args: Record<string, unknown>) => upstream.calls.push({ tool, args });
  server.registerTool(
    "customer",
    {
      description: "Looks a customer up",
      inputSchema: { id: z.string() },
      outputSchema: { name: z.string(), email: z.string(), phone: z.string(), apiKey: z.string() },
    },
    (args) => {
      record("customer", args);
      return { content: [{ type: "text", text: JSON.stringify(CUSTOMER) }], structuredContent: CUSTOMER };
    },
  );
  server.registerTool("note", { description: "Saves a note", inputSchema: { text: z.string() } }, (args) => {
    record("note", args);
    return { content: [{ type: "text", text: `saved: ${args.text}` }] };
  });
  server.registerTool(
    "delete_records",
    {
      description: "Deletes every record of a table",
      inputSchema: { table: z.string() },
      annotations: { destructiveHint: true },
    },
    (args) => {
      record("delete_records", args);
      return { content: [{ type: "text", text: `deleted ${args.table}` }] };
    },
  );
  server.registerTool(
    "weather",
    { description: upstream.weatherDescription, inputSchema: { city: z.string() } },
    (args) => {
      record("weather", args);
      return { content: [{ type: "text", text: `sunny in ${args.city}` }] };
    },
  );
  return server;
}

export async function startGuardedUpstream(): Promise<GuardedUpstream> {
  const upstream: GuardedUpstream = {
    url: "",
    calls: [],
    weatherDescription: "Today's weather for a city",
    stop: () => Promise.resolve(),
  };
  const served = await serveStateless(() => describeServer(upstream));
  upstream.url = served.url;
  upstream.stop = served.stop;
  return upstream;
}
