// Schema parts that settings, agents and virtual servers share: globs, how tools are
// exposed, which calls need a person's yes. Parsing only.
import { z } from "zod";

/** A picomatch glob: `*`, `get_*`, `*_user`, `{read,list}_*`; for resource URIs `**` crosses '/'. */
export const GlobSchema = z.string().min(1).max(512);
/** Per-server patterns, keyed by registration name (or a glob over registration names). */
export const PerServerGlobsSchema = z.record(GlobSchema, z.array(GlobSchema).max(1000));

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
export const DirectToolsSchema = PerServerGlobsSchema.describe(
  "In hybrid exposure, per server (name or glob): the upstream's own tool names (globs) listed beside the meta-tools.",
);
