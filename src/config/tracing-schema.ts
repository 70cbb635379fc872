// `settings.tracing`: where the gateway sends OpenTelemetry traces (OTLP/HTTP, JSON
// encoding) and how many it keeps. Parsing only: spans are made by gateway/ and
// observe/tracing/. The collector's URL follows the rule of every service the gateway
// calls on its own behalf: https, or http on a loopback host.
import { z } from "zod";
import { AuthUrlSchema } from "./oauth-schema.js";

export const TracingSettingsSchema = z
  .object({
    endpoint: AuthUrlSchema.describe(
      "The collector's OTLP/HTTP traces URL, path included (for most collectors https://<host>:4318/v1/traces).",
    ),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(8192))
      .default({})
      .describe("Headers sent to the collector (an API key, say). Values may reference Worker secrets as ${NAME}."),
    serviceName: z
      .string()
      .min(1)
      .max(200)
      .default("mcp-gateway")
      .describe("The `service.name` resource attribute of every span."),
    sampleRatio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe(
        "The share of traces started at the gateway that are recorded. A request that continues a client's trace follows the client's sampled flag instead.",
      ),
  })
  .strict();
export type TracingSettings = z.infer<typeof TracingSettingsSchema>;
