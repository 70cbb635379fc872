// An upstream's list change, heard where no client feed compares lists: the cached lists
// are forgotten, and when the upstream's tools are pinned its tools list is fetched again
// at once (in the background), so a changed definition is checked against its pin now,
// not when a client next asks.
import { listsChangedBy } from "../../mcp/methods.js";
import { clearCatalog } from "../catalog.js";
import type { CallContext } from "../context.js";
import { collectFor } from "../targets.js";

export function listsChanged(ctx: CallContext, server: string, method: string): void {
  const kinds = listsChangedBy(method);
  for (const kind of kinds) clearCatalog(server, kind);
  const upstream = ctx.upstreams.find((u) => u.server.name === server);
  if (!kinds.includes("tools") || !upstream || upstream.server.pinning.mode === "off") return;
  ctx.background(collectFor("tools", ctx, { upstreams: [upstream], deadline: false }).catch(() => undefined));
}
