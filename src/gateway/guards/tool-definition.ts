// A tool's definition as its upstream lists it, for the stages that judge a call by it
// (the outputSchema a masked result must keep, the annotations that ask for a yes): from
// the list the call was routed by, else from a fresh list of that upstream; undefined when
// neither has it.
import { asRecord } from "../../mcp/jsonrpc.js";
import { lastKnown } from "../catalog.js";
import type { CallContext } from "../context.js";
import { collectFor } from "../targets.js";
import type { Upstream } from "../upstreams.js";

export async function toolDefinition(
  ctx: CallContext,
  upstream: Upstream,
  tool: string,
): Promise<Record<string, unknown> | undefined> {
  const find = (items: readonly Record<string, unknown>[] | undefined) => items?.find((item) => item["name"] === tool);
  const known = find(lastKnown("tools", upstream, ctx.identity.agent)?.items);
  if (known) return asRecord(known);
  const collected = await collectFor("tools", ctx, { upstreams: [upstream], deadline: false });
  const fresh = find(collected.lists[0]?.items);
  return fresh === undefined ? undefined : asRecord(fresh);
}
