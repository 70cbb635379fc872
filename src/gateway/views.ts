// Turns per-server lists into the merged lists clients see: tool and prompt names
// mapped by the prefix rules, resources and templates merged by URI (first server in
// name order wins a collision). Pure apart from logging each collision once per view;
// memoized per combination of list versions.
import { mapNames, compare, type NameCollision, type NameMap } from "../mcp/names.js";
import { fnv1a } from "../observe/hash.js";
import { log } from "../observe/log.js";
import type { Settings } from "../config/schemas.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Item, ServerItems } from "./catalog.js";

export interface NamedView {
  items: Item[];
  names: NameMap;
  fingerprint: string;
}

export interface UriView {
  items: Item[];
  /** URI (or URI template) → server. */
  owners: ReadonlyMap<string, string>;
  collisions: Array<{ uri: string; kept: string; dropped: string }>;
  fingerprint: string;
}

const memo = new Map<string, NamedView | UriView>();
const MEMO_LIMIT = 256;

function memoized<T extends NamedView | UriView>(key: string, build: () => T): T {
  const hit = memo.get(key);
  if (hit) return hit as T;
  const view = build();
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(key, view);
  return view;
}

function listsKey(kind: string, lists: readonly ServerItems[], extra: string): string {
  return `${kind}|${extra}|${lists.map((l) => `${l.server}:${l.version}`).join(",")}`;
}

/** Tools or prompts, renamed by the prefix rules of the snapshot. */
export function namedView(
  kind: "tools" | "prompts",
  lists: readonly ServerItems[],
  snapshot: ConfigSnapshot,
): NamedView {
  const { settings } = snapshot;
  const key = listsKey(kind, lists, `${snapshot.revision}`);
  return memoized(key, () => {
    const view = buildNamedView(lists, snapshot, settings);
    // Never silently shadowed: a name that moved, or could not be exposed at all, is reported.
    for (const { exposed, kept, moved } of view.names.collisions)
      log(moved.exposed === null ? "warn" : "info", "names.collision", { kind, exposed, kept, moved });
    return view;
  });
}

function buildNamedView(lists: readonly ServerItems[], snapshot: ConfigSnapshot, settings: Settings): NamedView {
  const itemsByServer = new Map<string, Map<string, Item>>();
  const sources = lists.map((list) => {
    const byName = new Map<string, Item>();
    for (const item of list.items) if (typeof item["name"] === "string") byName.set(item["name"], item);
    itemsByServer.set(list.server, byName);
    return {
      server: list.server,
      prefix: snapshot.servers.get(list.server)?.registration.prefix,
      names: [...byName.keys()],
    };
  });
  const names = mapNames(sources, { strategy: settings.prefixStrategy, separator: settings.prefixSeparator });
  const items = names.entries.map((entry) => ({
    ...itemsByServer.get(entry.server)!.get(entry.original)!,
    name: entry.exposed,
  }));
  return { items, names, fingerprint: fnv1a(names.entries.map((e) => e.exposed).join("\n")) };
}

/** Resources (by `uri`) or templates (by `uriTemplate`), first server in name order winning. */
export function uriView(kind: "resources" | "resourceTemplates", lists: readonly ServerItems[]): UriView {
  const field = kind === "resources" ? "uri" : "uriTemplate";
  return memoized(listsKey(kind, lists, ""), () => {
    const owners = new Map<string, string>();
    const items: Item[] = [];
    const collisions: UriView["collisions"] = [];
    for (const list of [...lists].sort((a, b) => compare(a.server, b.server))) {
      for (const item of list.items) {
        const uri = item[field];
        if (typeof uri !== "string") continue;
        const owner = owners.get(uri);
        if (owner !== undefined) {
          if (owner !== list.server) collisions.push({ uri, kept: owner, dropped: list.server });
          continue;
        }
        owners.set(uri, list.server);
        items.push(item);
      }
    }
    for (const collision of collisions) log("warn", "uris.collision", { kind, ...collision });
    return { items, owners, collisions, fingerprint: fnv1a(items.map((i) => i[field]).join("\n")) };
  });
}

export type { NameCollision };
