// The zod schemas of every KV configuration value: the single source from which
// `npm run schemas` writes schemas/*.json. Parsing only: loading lives in snapshot.ts.
import { z } from "zod";

/** Registration, agent and virtual-server names. */
export const NameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "lower-case letters, digits, '-', '_' and '.', starting with a letter or digit")
  .describe("1 to 63 lower-case letters, digits, '-', '_' and '.', starting with a letter or digit");

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
      .url({ protocol: /^https?$/, error: "an http:// or https:// URL of a Streamable HTTP MCP endpoint" })
      .describe("The upstream's Streamable HTTP MCP endpoint."),
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
  })
  .strict();
export type ServerRegistration = z.infer<typeof ServerRegistrationSchema>;

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
    configRefreshSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(5)
      .describe("How often each isolate re-reads configuration from KV."),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** Every schema written to schemas/, by file name. */
export const PUBLISHED_SCHEMAS = {
  "server.schema.json": ServerRegistrationSchema,
  "settings.schema.json": SettingsSchema,
} as const;
