// Maps upstream tool and prompt names to the names clients see, and back. Pure and
// deterministic: servers are taken in name order, so the same inputs always give the
// same names, and every collision is reported rather than silently shadowed.

export type PrefixStrategy = "always" | "conflicts" | "never";

export interface NameSource {
  server: string;
  /** The registration's `prefix`: undefined follows the strategy, "" means no prefix. */
  prefix: string | undefined;
  names: readonly string[];
}

export interface MappedName {
  exposed: string;
  server: string;
  original: string;
}

export interface NameCollision {
  exposed: string;
  /** The entry that kept the name. */
  kept: { server: string; original: string };
  /** The entry that lost it, and what became of it. */
  moved: { server: string; original: string; exposed: string | null };
}

export interface NameMap {
  /** In server order, then upstream order. */
  entries: MappedName[];
  byExposed: ReadonlyMap<string, MappedName>;
  collisions: NameCollision[];
}

export interface NamingRules {
  strategy: PrefixStrategy;
  separator: string;
}

export function mapNames(sources: readonly NameSource[], rules: NamingRules): NameMap {
  const ordered = [...sources].sort((a, b) => compare(a.server, b.server));
  const owners = countOwners(ordered);
  const byExposed = new Map<string, MappedName>();
  const entries: MappedName[] = [];
  const collisions: NameCollision[] = [];

  for (const source of ordered) {
    for (const original of new Set(source.names)) {
      const wanted = preferredName(source, original, owners, rules);
      const holder = byExposed.get(wanted);
      let exposed: string | null = wanted;
      if (holder) {
        const fallback = withPrefix(source.server, original, rules.separator);
        exposed = byExposed.has(fallback) ? null : fallback;
        collisions.push({
          exposed: wanted,
          kept: { server: holder.server, original: holder.original },
          moved: { server: source.server, original, exposed },
        });
      }
      if (exposed === null) continue;
      const entry = { exposed, server: source.server, original };
      byExposed.set(exposed, entry);
      entries.push(entry);
    }
  }
  return { entries, byExposed, collisions };
}

function preferredName(
  source: NameSource,
  original: string,
  owners: ReadonlyMap<string, number>,
  rules: NamingRules,
): string {
  if (source.prefix !== undefined) {
    return source.prefix === "" ? original : withPrefix(source.prefix, original, rules.separator);
  }
  switch (rules.strategy) {
    case "always":
      return withPrefix(source.server, original, rules.separator);
    case "never":
      return original;
    case "conflicts":
      return (owners.get(original) ?? 0) > 1 ? withPrefix(source.server, original, rules.separator) : original;
  }
}

/** How many servers offer each upstream name: `conflicts` prefixes only shared names. */
function countOwners(sources: readonly NameSource[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const source of sources) {
    for (const name of new Set(source.names)) owners.set(name, (owners.get(name) ?? 0) + 1);
  }
  return owners;
}

function withPrefix(prefix: string, name: string, separator: string): string {
  return `${prefix}${separator}${name}`;
}

/** Code-point order, independent of locale, so every isolate agrees. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
