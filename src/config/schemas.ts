// The zod schemas of every KV configuration value: the single source from which
// `npm run schemas` writes schemas/*.json. Parsing only: loading lives in snapshot.ts.
import { z } from "zod";
import { ApiKeySchema } from "./api-key-schema.js";
import { GuardNamesSchema, GuardSchema } from "./guard-schema.js";
import { NameSchema } from "./name-schema.js";
import { OAuthSettingsSchema } from "./oauth-schema.js";
import { TracingSettingsSchema } from "./tracing-schema.js";
import { PinApprovalsSchema, ToolPinningSchema } from "./pin-schema.js";

export { NameSchema };

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
      .describe("The upstream's MCP endpoint: Streamable HTTP, or the event stream of the HTTP+SSE transport."),
    description: z.string().max(2000).default("").describe("What this server offers, for people reading the config."),
    headers: z
      .record(HeaderNameSchema, z.string().max(8192))
      .default({})
      .refine((h) => Object.keys(h).every((k) => !(RESERVED_HEADERS as readonly string[]).includes(k.toLowerCase())), {
        message: `headers may not set ${RESERVED_HEADERS.join(", ")}`,
      })
      .describe("Headers sent to the upstream. Values may reference Worker secrets or vars as ${NAME}."),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{0,64}$/, "letters, digits, '_', '-' and '.', at most 64")
      .optional()
      .describe(
        'Put before this server\'s tool and prompt names; "" means none. Unset: settings.prefixStrategy decides.',
      ),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .optional()
      .describe(
        "How long one upstream request may take, from when its fetch starts. Unset: settings.defaultTimeoutMs.",
      ),
    enabled: z.boolean().default(true).describe("A disabled server is neither listed nor called."),
    auditPayloads: z
      .boolean()
      .default(false)
      .describe("Log call arguments and results in audit lines (secrets and bearer tokens redacted)."),
    sharedLists: z
      .boolean()
      .default(false)
      .describe(
        "The server's tool, prompt and resource lists are the same for every session: cache them once for all agents and sessions. Unset: a legacy (2025) server's lists are cached per upstream session.",
      ),
    guards: GuardNamesSchema.default([]),
    instructions: z
      .union([z.string().max(8192), z.literal(false)])
      .optional()
      .describe(
        "What clients are told about this server: unset, the upstream's own instructions; a string, given instead; false, none.",
      ),
    maxResultBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .optional()
      .describe(
        "Largest tool result passed on, in bytes of its JSON: text content beyond it is cut with a note; a result whose structured content or binary content alone is larger is refused. Unset: no limit.",
      ),
  })
  .strict();
export type ServerRegistration = z.infer<typeof ServerRegistrationSchema>;

/** A picomatch glob: `*`, `get_*`, `*_user`, `{read,list}_*`; for resource URIs `**` crosses '/'. */
const GlobSchema = z.string().min(1).max(512);
/** Per-server patterns, keyed by registration name (or a glob over registration names). */
const PerServerGlobsSchema = z.record(GlobSchema, z.array(GlobSchema).max(1000));

/** How an endpoint lists its tools: every visible one, only the gateway's meta-tools, or both. */
export const ExposureSchema = z
  .enum(["direct", "discovery", "hybrid"])
  .describe(
    "direct: every visible tool is listed; discovery: only the gateway's meta-tools (list_servers, get_server_tools, search_tools, execute_tool); hybrid: the meta-tools plus the tools directTools names.",
  );
export type Exposure = z.infer<typeof ExposureSchema>;

/** Which tool calls need a person's yes first: annotated destructive ones, none, or an explicit list. */
export const ConfirmDestructiveSchema = z
  .union([
    z.boolean(),
    z
      .object({
        tools: PerServerGlobsSchema.describe("Per server (name or glob): the upstream's own tool names (globs)."),
      })
      .strict(),
  ])
  .describe(
    "true: calls to tools annotated destructiveHint: true ask the user first; false: none do; { tools: { <server>: [globs] } }: calls to these tools do.",
  );
export type ConfirmDestructive = z.infer<typeof ConfirmDestructiveSchema>;

/** In hybrid exposure: per server, the upstream's own tool names (globs) listed directly. */
const DirectToolsSchema = PerServerGlobsSchema.describe(
  "In hybrid exposure, per server (name or glob): the upstream's own tool names (globs) listed beside the meta-tools.",
);

export const SettingsSchema = z
  .object({
    prefixStrategy: z
      .enum(["always", "conflicts", "never"])
      .default("always")
      .describe("How names are prefixed for servers that set no prefix: always, only on conflicts, or never."),
    prefixSeparator: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,4}$/)
      .default("__")
      .describe("Between prefix and name: 'github' + '__' + 'create_issue'."),
    allowedOrigins: z
      .array(z.string().max(512))
      .default([])
      .describe("Origins (scheme://host[:port]) whose browser requests are accepted; '*' accepts any. Others get 403."),
    allowedHosts: z
      .array(z.string().max(512))
      .default([])
      .describe("When non-empty, the Host header's hostname must be one of these (DNS-rebinding guard for local use)."),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(4 * 1024 * 1024)
      .describe("Largest request body accepted, in bytes; larger ones get 413."),
    bodyReadTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(10_000)
      .describe(
        "How long a request body may take to arrive, from when the gateway starts reading it; slower gets 408.",
      ),
    defaultTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(30_000)
      .describe("Upstream request timeout for servers that set no timeoutMs."),
    sessionTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600)
      .describe("An idle client session is ended after this long."),
    pageSize: z.number().int().min(1).max(10_000).default(500).describe("Items per page of merged lists."),
    catalogTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(60)
      .describe("How long an upstream's tool, prompt and resource lists are cached."),
    exposure: ExposureSchema.default("direct").describe(
      "How tools are listed unless an agent or virtual server says otherwise: direct, discovery or hybrid.",
    ),
    directTools: DirectToolsSchema.optional(),
    anonymousAgent: NameSchema.optional().describe(
      "Requests without an API key act as this agent. Unset (the default): they get 401.",
    ),
    configRefreshSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(5)
      .describe("How often each isolate re-reads configuration from KV."),
    maxTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(300_000)
      .describe("The largest per-call timeout a client may ask for with _meta 'mcp-edge-gateway/timeoutMs'."),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(2)
      .describe(
        "Extra attempts for idempotent upstream requests (lists, reads) that failed to connect or got 502/503/504.",
      ),
    breakerFailures: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe("Consecutive failures of an upstream that open its circuit breaker."),
    breakerOpenSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(30)
      .describe("How long an open breaker refuses requests before one probe is let through."),
    maxJsonDepth: z
      .number()
      .int()
      .min(8)
      .max(1000)
      .default(64)
      .describe("Deepest nesting of arrays and objects accepted in a request body."),
    maxHeaderBytes: z
      .number()
      .int()
      .min(1024)
      .max(131_072)
      .default(32_768)
      .describe("Largest total size of a request's header names and values; larger gets 431."),
    maxBatchSize: z.number().int().min(1).max(1000).default(50).describe("Most messages in one JSON-RPC batch."),
    maxSessionsPerAgent: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        "Most 2025-era sessions one agent (the key's agent) may hold open at once; beyond it, initialize gets 429.",
      ),
    maxListItems: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(10_000)
      .describe("Most items one upstream list may have; an upstream with more is left out of the merged list."),
    listDeadlineMs: z
      .number()
      .int()
      .min(50)
      .max(300_000)
      .default(3000)
      .describe(
        "How long a merged list (and initialize, and routing a name no prefix ties to one server) waits for each upstream; a later one is left out and named in the list's _meta.",
      ),
    toolPinning: ToolPinningSchema.default("off"),
    instructions: z
      .string()
      .max(8192)
      .optional()
      .describe(
        "The gateway's own instructions for clients, given before each visible upstream's (labelled by server).",
      ),
    confirmDestructive: ConfirmDestructiveSchema.default(false).describe(
      "Which tool calls ask the user first (elicitation, or input_required for 2026-07-28 clients) unless an agent or virtual server says otherwise.",
    ),
    oauth: OAuthSettingsSchema.optional().describe(
      "Authorization servers whose OAuth access tokens (JWTs) are accepted in place of an API key: one issuer, or a list.",
    ),
    tracing: TracingSettingsSchema.optional().describe(
      "Send OpenTelemetry traces of each request and upstream call to an OTLP/HTTP collector; unset: no traces.",
    ),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

export const RuleSetSchema = z
  .object({
    servers: z.array(GlobSchema).max(1000).optional().describe("Registration names (globs)."),
    tools: PerServerGlobsSchema.optional().describe("Per server: the upstream's own tool names (globs)."),
    prompts: PerServerGlobsSchema.optional().describe("Per server: the upstream's own prompt names (globs)."),
    resources: PerServerGlobsSchema.optional().describe("Per server: resource URIs or URI templates (globs)."),
    delegates: z.array(GlobSchema).max(1000).optional().describe("Sub-agents this agent may narrow itself to."),
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
      .describe("Per '<server glob>/<tool glob>': calls of each matching tool, counted per tool."),
  })
  .strict();
export type RateLimits = z.infer<typeof RateLimitsSchema>;

export const AgentRulesSchema = z
  .object({
    description: z.string().max(2000).default(""),
    allow: RuleSetSchema.default({}).describe("What the agent may see and call; nothing is allowed unless listed."),
    exposure: ExposureSchema.optional().describe("How tools are listed to this agent; unset: settings.exposure."),
    directTools: DirectToolsSchema.optional(),
    deny: RuleSetSchema.default({}).describe("Always wins over allow."),
    rateLimits: RateLimitsSchema.optional().describe("Request and per-tool call limits, counted exactly per agent."),
    guards: GuardNamesSchema.default([]),
    confirmDestructive: ConfirmDestructiveSchema.optional().describe(
      "Which of this agent's tool calls ask the user first; unset: settings.confirmDestructive.",
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
      .describe("The name clients of this virtual server see."),
    title: z.string().max(512).optional(),
    description: z.string().max(8192).optional(),
  })
  .strict();

export const VirtualServerSchema = z
  .object({
    description: z.string().max(2000).default(""),
    servers: z.array(GlobSchema).max(1000).describe("Registration names (globs) this endpoint aggregates."),
    exposure: ExposureSchema.optional().describe(
      "How this endpoint lists tools; unset: the agent's, else settings.exposure.",
    ),
    directTools: DirectToolsSchema.optional(),
    tools: PerServerGlobsSchema.optional().describe(
      "Per server that `servers` matches: only these upstream tools (globs); never adds a server. Unset: all.",
    ),
    prompts: PerServerGlobsSchema.optional().describe(
      "Per server that `servers` matches: only these upstream prompts (globs); never adds a server. Unset: all.",
    ),
    resources: PerServerGlobsSchema.optional().describe(
      "Per server that `servers` matches: only these resource URIs (globs); never adds a server. Unset: all.",
    ),
    overrides: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}\/.+$/, "<server>/<upstream tool name>"), ToolOverrideSchema)
      .default({})
      .describe("Per '<server>/<tool>': a new name, title or description."),
    agents: z.array(GlobSchema).max(1000).describe("Agents (globs) that may use this endpoint."),
    guards: GuardNamesSchema.default([]),
    confirmDestructive: ConfirmDestructiveSchema.optional().describe(
      "Which tool calls through this endpoint ask the user first; unset: the agent's, else settings.confirmDestructive.",
    ),
    instructions: z
      .string()
      .max(8192)
      .optional()
      .describe("This endpoint's own instructions for clients, instead of settings.instructions."),
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
