// The gateway's own tools, listed in discovery and hybrid exposure: their names, the words
// an agent reads, and their input and output schemas, each written once in zod (arguments
// are validated with the same schemas). What each one does is discovery.ts's and
// execute-tool.ts's business.
import { z } from "zod";

const agentId = z
  .string()
  .optional()
  .describe("Act as this sub-agent of yours, as the X-MCP-Agent header would (only where delegation allows).");

const ListServersInput = z.object({
  include_metadata: z.boolean().optional().describe("Also say each server's protocol era and health."),
  agent_id: agentId,
});
const GetServerToolsInput = z.object({
  server: z.string().min(1).describe("The server, as list_servers or search_tools names it."),
  names: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe("Only these tools: an array, or names separated by commas."),
  pattern: z.string().optional().describe("Only tools whose name matches this glob, such as `*issue*`."),
  max_schema_tokens: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Answer with whole tool definitions, in order, up to about this many tokens."),
  agent_id: agentId,
});
const SearchToolsInput = z.object({
  query: z.string().min(1).describe("What you want to get done, in a few words."),
  limit: z.number().int().min(1).max(50).optional().describe("How many tools to return (default 5, at most 50)."),
  server: z.string().optional().describe("Only this server's tools."),
  agent_id: agentId,
});
const ExecuteToolInput = z.object({
  server: z.string().min(1).describe("The tool's server, as search_tools or get_server_tools names it."),
  tool: z.string().min(1).describe("The tool's name within that server."),
  args: z.record(z.string(), z.unknown()).optional().describe("The tool's arguments, as its inputSchema describes."),
  timeout_ms: z.number().int().optional().describe("How long the tool may take, in milliseconds."),
  agent_id: agentId,
});

const ServerSummary = z.object({
  name: z.string(),
  description: z.string(),
  tools: z.number().int().nullable().describe("Tools you may use on it; null when it could not be listed now."),
  era: z.enum(["legacy", "modern", "unknown"]).optional(),
  health: z.enum(["ok", "failing", "unknown"]).optional(),
  breakerOpen: z.boolean().optional(),
});
const ToolDefinition = z.looseObject({ name: z.string(), inputSchema: z.looseObject({}) });

export const META_TOOL_SCHEMAS = {
  list_servers: {
    input: ListServersInput,
    output: z.object({ servers: z.array(ServerSummary) }),
    description:
      "List the servers whose tools you can use, with what each offers and how many tools it has. Start here, or use search_tools when you know what you want done.",
  },
  get_server_tools: {
    input: GetServerToolsInput,
    output: z.object({
      server: z.string(),
      tools: z.array(ToolDefinition),
      total: z.number().int(),
      returned: z.number().int(),
      omitted: z.number().int().optional(),
    }),
    description:
      "Get full definitions (with input schemas) of one server's tools, all of them or the ones you name. Then call one with execute_tool.",
  },
  search_tools: {
    input: SearchToolsInput,
    output: z.object({
      tools: z.array(
        z.object({
          server: z.string(),
          name: z.string(),
          title: z.string().optional(),
          description: z.string(),
          score: z.number(),
          inputSchema: z.looseObject({}).optional(),
        }),
      ),
      total: z.number().int(),
    }),
    description:
      "Find the tools best suited to a task described in words, best first, with their input schemas. Then call one with execute_tool.",
  },
  execute_tool: {
    input: ExecuteToolInput,
    output: z.object({ server: z.string(), tool: z.string(), result: z.looseObject({}) }),
    description:
      "Call a tool of a server (as search_tools or get_server_tools named it) with its arguments. Its result comes back as the tool gave it.",
  },
} as const;

export type MetaToolName = keyof typeof META_TOOL_SCHEMAS;
export type MetaToolInput<N extends MetaToolName> = z.infer<(typeof META_TOOL_SCHEMAS)[N]["input"]>;

export function isMetaTool(name: string): name is MetaToolName {
  return Object.hasOwn(META_TOOL_SCHEMAS, name);
}

let definitions: Array<Record<string, unknown>> | undefined;

/** The meta-tools as tools/list shows them (built once). */
export function metaToolDefinitions(): ReadonlyArray<Record<string, unknown>> {
  definitions ??= (Object.keys(META_TOOL_SCHEMAS) as MetaToolName[]).map((name) => {
    const { input, output, description } = META_TOOL_SCHEMAS[name];
    return {
      name,
      description,
      inputSchema: jsonSchema(z.toJSONSchema(input, { io: "input" })),
      outputSchema: jsonSchema(z.toJSONSchema(output)),
      annotations: { readOnlyHint: name !== "execute_tool" },
    };
  });
  return definitions;
}

function jsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
