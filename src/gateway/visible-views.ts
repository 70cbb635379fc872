// What one principal sees of the merged views: items its policy allows, and on a virtual
// server its tool overrides (new name, title, description). Names stay those of the
// merged view, so an agent's names do not depend on what other agents may see. Pure apart
// from logging an override that would collide; memoized per (merged view, policy).
import type { VirtualServer } from "../config/schemas.js";
import type { MappedName } from "../mcp/names.js";
import { fnv1a } from "../observe/hash.js";
import { log } from "../observe/log.js";
import type { Item } from "./catalog.js";
import type { Policy } from "./policy.js";
import type { NamedView, UriView } from "./views.js";

export interface VisibleNamedView {
  items: Item[];
  byExposed: ReadonlyMap<string, MappedName>;
  fingerprint: string;
}

export interface VisibleUriView {
  items: Item[];
  owners: ReadonlyMap<string, string>;
  fingerprint: string;
}

type Overrides = VirtualServer["overrides"];

const namedMemo = new WeakMap<NamedView, Map<string, VisibleNamedView>>();
const uriMemo = new WeakMap<UriView, Map<string, VisibleUriView>>();

export function visibleNamed(
  kind: "tools" | "prompts",
  view: NamedView,
  policy: Policy,
  overrides: Overrides | undefined,
): VisibleNamedView {
  return memo(namedMemo, view, policy.key, () => {
    const byExposed = new Map<string, MappedName>();
    const items: Item[] = [];
    const taken = new Set(view.names.entries.map((e) => e.exposed));
    view.names.entries.forEach((entry, i) => {
      if (!policy.decide(kind, entry.server, entry.original).allowed) return;
      const override = kind === "tools" ? overrides?.[`${entry.server}/${entry.original}`] : undefined;
      let exposed = entry.exposed;
      if (override?.name !== undefined && override.name !== entry.exposed) {
        if (taken.has(override.name)) {
          log("warn", "names.override_collision", {
            server: entry.server,
            tool: entry.original,
            wanted: override.name,
          });
        } else {
          taken.add(override.name);
          exposed = override.name;
        }
      }
      const item: Item = { ...view.items[i]!, name: exposed };
      if (override?.title !== undefined) item["title"] = override.title;
      if (override?.description !== undefined) item["description"] = override.description;
      byExposed.set(exposed, { ...entry, exposed });
      items.push(item);
    });
    return { items, byExposed, fingerprint: fnv1a([...byExposed.keys()].join("\n")) };
  });
}

export function visibleUris(kind: "resources" | "resourceTemplates", view: UriView, policy: Policy): VisibleUriView {
  const field = kind === "resources" ? "uri" : "uriTemplate";
  return memo(uriMemo, view, policy.key, () => {
    const owners = new Map<string, string>();
    const items = view.items.filter((item) => {
      const uri = item[field] as string;
      const server = view.owners.get(uri)!;
      if (!policy.decide("resources", server, uri).allowed) return false;
      owners.set(uri, server);
      return true;
    });
    return { items, owners, fingerprint: fnv1a([...owners.keys()].join("\n")) };
  });
}

function memo<K extends object, V>(cache: WeakMap<K, Map<string, V>>, view: K, key: string, build: () => V): V {
  let perPolicy = cache.get(view);
  if (!perPolicy) cache.set(view, (perPolicy = new Map()));
  let visible = perPolicy.get(key);
  if (!visible) {
    visible = build();
    if (perPolicy.size > 100) perPolicy.clear();
    perPolicy.set(key, visible);
  }
  return visible;
}
