// Tool pinning on a fresh tools list (settings.toolPinning): every definition is
// fingerprinted and sent to the ToolPins object, which pins what it sees first and notes
// what drifted. A drift writes one `tool.drift` line (which fields changed) wherever it is
// first seen; in quarantine mode the drifted tool is withheld from the list, and so from
// every view, search and call, until `pin:<server>` approves its new fingerprint. A
// definition carrying injection markers writes one `tool.suspicious` line when first pinned.
import type { ResolvedServer } from "../../config/snapshot.js";
import { errors } from "../../mcp/errors.js";
import { log } from "../../observe/log.js";
import type { PinStore, SeenTool } from "../../observe/tool-pins.js";
import type { Item } from "../list-pages.js";
import { injectionMarkers } from "./injection-markers.js";
import { changedFields, toolPrint } from "./tool-fingerprint.js";

export interface PinChecked {
  items: Item[];
  /** Quarantined tools, by name: the fingerprint now served, which an operator may approve. */
  withheld: ReadonlyMap<string, string> | undefined;
}

export async function checkPins(server: ResolvedServer, items: Item[], store: PinStore): Promise<PinChecked> {
  const { mode, approved } = server.pinning;
  if (mode === "off" || items.length === 0) return { items, withheld: undefined };
  const seen: SeenTool[] = await Promise.all(
    items.map(async (item) => ({ ...(await toolPrint(item)), markers: injectionMarkers(item) })),
  );
  let verdicts;
  try {
    verdicts = await store.record(server.name, seen, approved);
  } catch (error) {
    log("error", "tool.pins_unavailable", { server: server.name, reason: String(error) });
    // Unchecked definitions are not served as checked ones: quarantine fails closed.
    if (mode === "quarantine") throw errors.serverUnavailable(server.name, "its tool pins cannot be checked now");
    return { items, withheld: undefined };
  }
  const byName = new Map(seen.map((tool) => [tool.name, tool]));
  for (const name of verdicts.first) {
    const tool = byName.get(name)!;
    if (tool.markers.length > 0)
      log("warn", "tool.suspicious", {
        server: server.name,
        tool: name,
        markers: tool.markers,
        fingerprint: tool.fingerprint,
      });
  }
  for (const { name, pinned } of verdicts.drifted) {
    const tool = byName.get(name)!;
    log("warn", "tool.drift", {
      server: server.name,
      tool: name,
      changed: changedFields(pinned, tool.fields),
      pinned: verdicts.pinned[name],
      fingerprint: tool.fingerprint,
      action: mode === "quarantine" ? "quarantined" : "kept",
    });
  }
  if (mode !== "quarantine") return { items, withheld: undefined };
  const withheld = new Map<string, string>();
  const kept = items.filter((_, i) => {
    const tool = seen[i]!;
    const held = verdicts.pinned[tool.name] !== tool.fingerprint && approved[tool.name] !== tool.fingerprint;
    if (held) withheld.set(tool.name, tool.fingerprint);
    return !held;
  });
  return { items: kept, withheld: withheld.size > 0 ? withheld : undefined };
}
