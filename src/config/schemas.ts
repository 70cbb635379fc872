// The zod schemas of every KV configuration value: the single source from which
// `npm run schemas` writes schemas/*.json and the tables of docs/configuration.md, so a
// field's description is its reference text. Parsing only: loading lives in snapshot.ts.
import { z } from "zod";
import { ApiKeySchema } from "./api-key-schema.js";
import {
  ConfirmDestructiveSchema,
  DirectToolsSchema,
  ExposureSchema,
  GlobSchema,
  PerServerGlobsSchema,
} from "./common-schemas.js";
import { GuardNamesSchema, GuardSchema } from "./guard-schema.js";
import { NameSchema } from "./name-schema.js";
import { PinApprovalsSchema } from "./pin-schema.js";
import { SettingsSchema } from "./settings-schema.js";

export { NameSchema };
export { ExposureSchema, ConfirmDestructiveSchema, type Exposure, type ConfirmDestructive } from "./common-schemas.js";
export { SettingsSchema, DEFAULT_SETTINGS, type Settings } from "./settings-schema.js";

const HeaderNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name");

/** Header names the gateway sets itself; a registration may not override them. */
export const RESERVED_HEADERS = [
  "accept",
  "content-type",
  "content-length",
  "host",
  "connection",
  "transfer-encoding",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
] as const;

export const ServerRegistrationSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: "an http:// or https:// URL of an MCP endpoint" })
      .describe(
        "The upstream's MCP endpoint: Streamable HTTP, or the event stream of the HTTP+SSE transport; `http://` or `https://` only. Redirects are not followed.",
      ),
    description: z.string().max(2000).default("").describe("What the server offers, for people reading the config."),
    headers: z
      .record(HeaderNameSchema, z.string().max(8192))
      .default({})
      .refine((h) => Object.keys(h).every((k) => !(RESERVED_HEADERS as readonly string[]).includes(k.toLowerCase())), {
        message: `headers may not set ${RESERVED_HEADERS.join(", ")}`,
      })
      .describe(
        "Headers sent with every request to the upstream (names are HTTP header names, values at most 8192 characters). Values may reference Worker secrets or vars as `${NAME}`. May not set `Accept`, `Content-Type`, `Content-Length`, `Host`, `Connection`, `Transfer-Encoding`, `Mcp-Session-Id`, `MCP-Protocol-Version` or `Last-Event-ID` (any case): the gateway sets those.",
      ),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{0,64}$/, "letters, digits, '_', '-' and '.', at most 64")
      .optional()
      .describe(
        'Put before this server\'s tool and prompt names, with `settings.prefixSeparator` between: `"gh"` gives `gh__create_issue`; `""` means no prefix at all. Letters, digits, `_`, `-`, `.`; at most 64 characters. Unset: `settings.prefixStrategy` decides.',
      ),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .optional()
      .describe(
        "How long one request to this upstream may take, counted from when its fetch starts. Unset: `settings.defaultTimeoutMs`.",
      ),
    enabled: z
      .boolean()
      .default(true)
      .describe("A disabled server is neither listed nor called (and not reported as a problem)."),
    auditPayloads: z
      .boolean()
      .default(false)
      .describe(
        "Put call arguments and results in this server's audit lines, with secrets and bearer tokens redacted. Off: audit lines carry names, decisions and timings only.",
      ),
    sharedLists: z
      .boolean()
      .default(false)
      .describe(
        "The server lists the same tools, prompts, resources and templates to every session: cache its lists once for every agent and session. Off: a 2025-era server's lists are cached per upstream session (each client session's own, or each agent's held session), since such servers may list differently per session.",
      ),
    guards: GuardNamesSchema.default([]).describe(
      "Guards (`guard:<name>` entries) that check every call to this server, beside the agent's and the virtual server's. A name without a valid entry refuses the calls (`GUARD_UNAVAILABLE`).",
    ),
    instructions: z
      .union([z.string().max(8192), z.literal(false)])
      .optional()
      .describe(
        "What clients are told about this server, labelled with its name: unset, the upstream's own `instructions`; a string, this text instead; `false`, nothing.",
      ),
    maxResultBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .optional()
      .describe(
        "Largest tool result passed on, in bytes of its JSON. Beyond it, text content is cut (in order) and ends with a note saying how large the result was; a result whose structured content, images or other binary content alone exceed it is refused with `RESULT_TOO_LARGE`, since cutting those would break them. Unset: no limit.",
      ),
  })
  .strict();
export type ServerRegistration = z.infer<typeof ServerRegistrationSchema>;

export const RuleSetSchema = z
  .object({
    servers: z.array(GlobSchema).max(1000).optional().describe("Registration names (globs)."),
    tools: PerServerGlobsSchema.optional().describe(
      "Per server (name or glob), the upstream's own tool names. In `allow`, restricts that server's tools to these (and admits the server).",
    ),
    prompts: PerServerGlobsSchema.optional().describe(
      "Per server (name or glob), the upstream's own prompt names. In `allow`, restricts that server's prompts to these (and admits the server).",
    ),
    resources: PerServerGlobsSchema.optional().describe(
      "Per server (name or glob), resource URIs and URI templates. In `allow`, restricts that server's resources to these (and admits the server).",
    ),
    delegates: z
      .array(GlobSchema)
      .max(1000)
      .optional()
      .describe("Sub-agents this agent may (`allow`) or may not (`deny`) narrow itself to with `X-MCP-Agent`."),
  })
  .strict();
export type RuleSet = z.infer<typeof RuleSetSchema>;

export const RateLimitSchema = z
  .object({
    limit: z.number().int().min(1).max(1_000_000).describe("How many requests the window allows."),
    windowSeconds: z.number().int().min(1).max(86_400).describe("The window, in seconds."),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const RateLimitsSchema = z
  .object({
    requests: RateLimitSchema.optional().describe("Every JSON-RPC request of the agent, whatever its method."),
    tools: z
      .record(z.string().regex(/^[^/]+\/.+$/, "<server glob>/<tool glob>"), RateLimitSchema)
      .optional()
      .describe("Per `<server glob>/<tool glob>`: calls of each matching tool, counted per tool."),
  })
  .strict();
export type RateLimits = z.infer<typeof RateLimitsSchema>;

const GUARDS_ALSO = "A name without a valid entry refuses the calls (`GUARD_UNAVAILABLE`).";

export const AgentRulesSchema = z
  .object({
    description: z.string().max(2000).default("").describe("What the agent is, for people reading the config."),
    allow: RuleSetSchema.default({}).describe(
      "What the agent may see and use; nothing is allowed unless a rule allows it.",
    ),
    exposure: ExposureSchema.optional().describe(
      "How tools are listed to this agent (its sub-agent's own setting, or the virtual server's, wins). Unset: `settings.exposure`.",
    ),
    directTools: DirectToolsSchema.optional(),
    deny: RuleSetSchema.default({}).describe("What it may not see or use, whatever `allow` says."),
    rateLimits: RateLimitsSchema.optional().describe("`requests` and per-tool call limits, counted exactly."),
    guards: GuardNamesSchema.default([]).describe(
      `Guards that check every call this agent makes, beside the registration's and the virtual server's. A request narrowed to a sub-agent gets the sub-agent's guards as well as the agent's. ${GUARDS_ALSO}`,
    ),
    confirmDestructive: ConfirmDestructiveSchema.optional().describe(
      "Which of this agent's tool calls need a person's yes (a sub-agent's own setting wins when a request narrows to it). Unset: `settings.confirmDestructive`.",
    ),
  })
  .strict();
export type AgentRules = z.infer<typeof AgentRulesSchema>;

const ToolOverrideSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/)
      .optional()
      .describe("The name clients of this virtual server see and call."),
    title: z.string().max(512).optional(),
    description: z.string().max(8192).optional(),
  })
  .strict();

/** What a virtual server's per-server selection does, the same for tools, prompts and resources. */
function selection(what: string) {
  return PerServerGlobsSchema.optional().describe(
    `Per server, only these ${what}. Applies only to servers that \`servers\` matches: it restricts such a server's ${what} (a key may be a registration name or a glob, and an item matching any listed glob of any matching key is kept; \`[]\` keeps none), and never adds a server \`servers\` does not match (a call gets \`DENIED_BY_POLICY\` with rule \`vs:<name> (no allow rule matches)\`). A server with no entry keeps all of them; the other kinds are not affected. Unset: all.`,
  );
}

export const VirtualServerSchema = z
  .object({
    description: z.string().max(2000).default("").describe("What the endpoint is for, for people reading the config."),
    servers: z.array(GlobSchema).max(1000).describe("Registration names (globs) this endpoint aggregates."),
    exposure: ExposureSchema.optional().describe(
      "How this endpoint lists tools. Unset: the agent's, else `settings.exposure`.",
    ),
    directTools: DirectToolsSchema.optional(),
    tools: selection("upstream tool names"),
    prompts: selection("upstream prompt names"),
    resources: selection("resource URIs and URI templates"),
    overrides: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}\/.+$/, "<server>/<upstream tool name>"), ToolOverrideSchema)
      .default({})
      .describe(
        "Per `<server>/<upstream tool name>`: `name` (letters, digits, `_`, `-`, `.`; 1 to 128), the name clients of this endpoint see and call; `title` (at most 512 characters) and `description` (at most 8192) replace the upstream's.",
      ),
    agents: z
      .array(GlobSchema)
      .max(1000)
      .describe(
        "Agents (globs) that may use this endpoint (the sub-agent, when a request narrows). Anyone else gets 403.",
      ),
    guards: GuardNamesSchema.default([]).describe(
      `Guards that check every call made through this endpoint, beside the registration's and the agent's. ${GUARDS_ALSO}`,
    ),
    confirmDestructive: ConfirmDestructiveSchema.optional().describe(
      "Which tool calls through this endpoint need a person's yes. Unset: the agent's, else `settings.confirmDestructive`.",
    ),
    instructions: z
      .string()
      .max(8192)
      .optional()
      .describe("This endpoint's own instructions for clients. Unset: `settings.instructions`."),
    upstreamInstructions: z
      .boolean()
      .default(true)
      .describe("Whether each visible upstream's instructions follow the endpoint's own."),
  })
  .strict();
export type VirtualServer = z.infer<typeof VirtualServerSchema>;

export { ApiKeySchema, type ApiKey } from "./api-key-schema.js";

/** Every schema written to schemas/, by file name. */
export const PUBLISHED_SCHEMAS = {
  "server.schema.json": ServerRegistrationSchema,
  "settings.schema.json": SettingsSchema,
  "agent.schema.json": AgentRulesSchema,
  "virtual-server.schema.json": VirtualServerSchema,
  "apikey.schema.json": ApiKeySchema,
  "guard.schema.json": GuardSchema,
  "pin.schema.json": PinApprovalsSchema,
} as const;
