// `settings`: the gateway-wide settings, every field optional. The descriptions are the
// reference: `npm run schemas` writes them into schemas/ and docs/configuration.md.
// Parsing only: loading lives in snapshot.ts.
import { z } from "zod";
import { ConfirmDestructiveSchema, DirectToolsSchema, ExposureSchema } from "./common-schemas.js";
import { NameSchema } from "./name-schema.js";
import { OAuthSettingsSchema } from "./oauth-schema.js";
import { TracingSettingsSchema } from "./tracing-schema.js";
import { ToolPinningSchema } from "./pin-schema.js";

/** An integer setting in [min, max] with a default. */
function integer(min: number, max: number, fallback: number) {
  return z.number().int().min(min).max(max).default(fallback);
}

export const SettingsSchema = z
  .object({
    prefixStrategy: z
      .enum(["always", "conflicts", "never"])
      .default("always")
      .describe(
        "How tool and prompt names are prefixed for servers that set no `prefix`: always with the server name, only names that more than one server offers, or never.",
      ),
    prefixSeparator: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,4}$/)
      .default("__")
      .describe("Between prefix and name (`github` + `__` + `create_issue`): 1 to 4 letters, digits, `_`, `-` or `.`."),
    allowedOrigins: z
      .array(z.string().max(512))
      .default([])
      .describe(
        'Origins (`scheme://host[:port]`, compared exactly) whose browser requests are accepted, and answered with CORS headers; `"*"` accepts any. A request carrying any other `Origin` gets 403. Requests without `Origin` (non-browser clients) are not affected.',
      ),
    allowedHosts: z
      .array(z.string().max(512))
      .default([])
      .describe(
        "When non-empty, the hostname in the `Host` header (port ignored, compared in lower case) must be one of these, else 403. A guard against DNS rebinding for local use; empty means no check.",
      ),
    maxBodyBytes: integer(1024, 100 * 1024 * 1024, 4 * 1024 * 1024).describe(
      "Largest accepted POST body, in bytes (the default is 4 MiB); larger gets 413.",
    ),
    bodyReadTimeoutMs: integer(100, 300_000, 10_000).describe(
      "How long a POST body may take to arrive, from when the gateway starts reading it (after authentication). A body still unfinished then (one that trickles in, or never ends) gets 408 `LIMIT_EXCEEDED` and is no longer read, so slow clients cannot hold connections open.",
    ),
    defaultTimeoutMs: integer(100, 300_000, 30_000).describe(
      "Upstream request timeout for registrations without `timeoutMs`.",
    ),
    sessionTtlSeconds: integer(60, 7 * 24 * 3600, 3600).describe(
      "An idle client session is ended after about this long. A session keeps the value in force when it started.",
    ),
    pageSize: integer(1, 10_000, 500).describe(
      "Items per page of the merged lists the gateway returns (`nextCursor` for the rest).",
    ),
    catalogTtlSeconds: integer(0, 86_400, 60).describe(
      "How long each upstream's tool, prompt, resource and template lists are cached (per isolate).",
    ),
    exposure: ExposureSchema.default("direct").describe(
      "How tools are listed unless an agent or virtual server says otherwise: every visible tool (`direct`), only the gateway's meta-tools (`discovery`), or the meta-tools plus `directTools` (`hybrid`).",
    ),
    directTools: DirectToolsSchema.optional(),
    anonymousAgent: NameSchema.optional().describe(
      'Requests without an `Authorization` header act as this agent. Unset: they get 401. A wrong, malformed or expired key is a 401 either way. The local sample sets `"local-dev"`; never set it in production.',
    ),
    configRefreshSeconds: integer(1, 300, 5).describe("How often each isolate re-reads the configuration from KV."),
    maxTimeoutMs: integer(100, 300_000, 300_000).describe(
      'The largest per-call timeout a client may ask for with `_meta["mcp-edge-gateway/timeoutMs"]`.',
    ),
    retries: integer(0, 5, 2).describe(
      "Extra attempts for idempotent upstream requests (lists, `resources/read`, `prompts/get`, `ping`) after a connection failure, a 5xx or a stream cut short. Tool calls are never retried.",
    ),
    breakerFailures: integer(1, 1000, 5).describe("Consecutive failures of an upstream that open its circuit breaker."),
    breakerOpenSeconds: integer(1, 3600, 30).describe(
      "How long an open breaker refuses calls to its upstream before it lets one probe through.",
    ),
    maxJsonDepth: integer(8, 1000, 64).describe(
      "Deepest nesting of arrays and objects accepted in a request body; deeper gets 400 `LIMIT_EXCEEDED`.",
    ),
    maxHeaderBytes: integer(1024, 131_072, 32_768).describe(
      "Largest total size of a request's header names and values; larger gets 431 `LIMIT_EXCEEDED`.",
    ),
    maxBatchSize: integer(1, 1000, 50).describe(
      "Most messages in one JSON-RPC batch (2025-03-26 sessions only); more gets 400 `LIMIT_EXCEEDED`.",
    ),
    maxSessionsPerAgent: integer(1, 10_000, 100).describe(
      "Most 2025-era sessions one agent (the key's agent; its sub-agents share its count) may hold open at once. Beyond it, `initialize` gets 429 `LIMIT_EXCEEDED`; ending a session (DELETE, or idling out) frees its place.",
    ),
    maxListItems: integer(1, 100_000, 10_000).describe(
      "Most items one upstream list (tools, prompts, resources, templates) may have; an upstream with more is left out of the merged list and named in its `_meta`.",
    ),
    listDeadlineMs: integer(50, 300_000, 3000).describe(
      "How long a merged list, `initialize`, `server/discover`, and routing a name that no prefix ties to one server wait for each upstream. A later upstream is left out (named in the list's `_meta` with `TIMEOUT`) and not waited for again until it answers a list; its fetch goes on in the background.",
    ),
    toolPinning: ToolPinningSchema.default("off").describe(
      "Fingerprint every upstream tool's definition when first seen and compare every fresh list with it: `alert` writes a `tool.drift` line when one changes, `quarantine` also hides the changed tool and refuses its calls until `pin:<server>` approves it.",
    ),
    instructions: z
      .string()
      .max(8192)
      .optional()
      .describe(
        "The gateway's own instructions for clients, given at `initialize` and in `server/discover` before each visible upstream's.",
      ),
    confirmDestructive: ConfirmDestructiveSchema.default(false).describe(
      "Which tool calls need a person's yes before they run: `true`, those annotated `destructiveHint: true`; an object, the tools it names (the upstream's own names, per server name or glob). An agent's or virtual server's own setting wins.",
    ),
    oauth: OAuthSettingsSchema.optional().describe(
      "Authorization servers whose OAuth access tokens (JWTs) are accepted in place of an API key: one issuer, or a list of up to 10.",
    ),
    tracing: TracingSettingsSchema.optional().describe(
      "Send OpenTelemetry traces of each request and upstream call to an OTLP/HTTP collector (docs/tracing.md); unset: no traces.",
    ),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});
