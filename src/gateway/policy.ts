// Decides what a principal may see and call: one pure function, used both to filter
// every list and to guard every call, read, get, completion and subscription, so that
// hidden always means uncallable. Rules come in layers (the agent, a sub-agent it
// narrowed to, a virtual server); an item is allowed only when every layer allows it.
//
// Within a layer: a deny always wins; per-server lists in `allow` restrict that server
// to the listed names; otherwise a server in `allow.servers` allows everything on it;
// anything else is denied. Deny patterns match case-insensitively and allow patterns
// case-sensitively, so a difference in case can only ever narrow rights. A resource URI
// an upstream could read as another path is denied, and any other is allowed only if it
// is allowed both as written and percent-decoded (mcp/resource-uris.ts).
import picomatch from "picomatch";
import type { RuleSet } from "../config/schemas.js";
import { decodedUri, pathProblem } from "../mcp/resource-uris.js";

export type PolicyKind = "tools" | "prompts" | "resources";

export interface RuleLayer {
  /** Where the rules come from, as people write it: `agent:frontend`, `vs:coder`. */
  source: string;
  allow: RuleSet;
  deny: RuleSet;
}

export interface Decision {
  allowed: boolean;
  /** The rule that decided, e.g. `agent:frontend deny.tools.postgres[0]`. */
  rule: string;
}

export class Policy {
  readonly #cache = new Map<string, Decision>();

  constructor(
    readonly layers: readonly RuleLayer[],
    /** Identifies the layers for memoizing views derived from this policy. */
    readonly key: string,
  ) {}

  /** May the principal see and use this tool, prompt or resource (URI or template) of this server? */
  decide(kind: PolicyKind, server: string, name: string): Decision {
    const cacheKey = `${kind}\u0000${server}\u0000${name}`;
    let decision = this.#cache.get(cacheKey);
    if (!decision) {
      decision = kind === "resources" ? this.#decideUri(server, name) : this.#decideName(kind, server, name);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(cacheKey, decision);
    }
    return decision;
  }

  #decideName(kind: PolicyKind, server: string, name: string): Decision {
    return combine(this.layers.map((layer) => decideInLayer(layer, kind, server, name)));
  }

  #decideUri(server: string, uri: string): Decision {
    const problem = pathProblem(uri);
    if (problem) return no(`(the URI's path has ${problem})`);
    const decoded = decodedUri(uri);
    const asWritten = this.#decideName("resources", server, uri);
    if (decoded === uri || !asWritten.allowed) return asWritten;
    return this.#decideName("resources", server, decoded);
  }

  /** May the principal see anything of this server at all? (Used for fan-outs like logging/setLevel.) */
  decideServer(server: string): Decision {
    return combine(this.layers.map((layer) => decideServerInLayer(layer, server)));
  }
}

/** Every layer must allow; the first deny decides, else the innermost allow is cited. */
function combine(decisions: Decision[]): Decision {
  return decisions.find((d) => !d.allowed) ?? decisions[decisions.length - 1] ?? { allowed: false, rule: "(no rules)" };
}

export function decideInLayer(layer: RuleLayer, kind: PolicyKind, server: string, name: string): Decision {
  const { source, allow, deny } = layer;
  const deniedServer = firstMatch(deny.servers, server, DENY);
  if (deniedServer !== undefined) return no(`${source} deny.servers[${deniedServer}]`);
  for (const [key, patterns] of perServer(deny[kind], server)) {
    const index = firstMatch(patterns, name, DENY);
    if (index !== undefined) return no(`${source} deny.${kind}.${key}[${index}]`);
  }
  const restrictions = perServer(allow[kind], server);
  if (restrictions.length > 0) {
    for (const [key, patterns] of restrictions) {
      const index = firstMatch(patterns, name, ALLOW);
      if (index !== undefined) return yes(`${source} allow.${kind}.${key}[${index}]`);
    }
    return no(`${source} allow.${kind}.${restrictions[0]![0]} (lists no match for '${name}')`);
  }
  const allowedServer = firstMatch(allow.servers, server, ALLOW);
  if (allowedServer !== undefined) return yes(`${source} allow.servers[${allowedServer}]`);
  return no(`${source} (no allow rule matches)`);
}

function decideServerInLayer(layer: RuleLayer, server: string): Decision {
  const { source, allow, deny } = layer;
  const denied = firstMatch(deny.servers, server, DENY);
  if (denied !== undefined) return no(`${source} deny.servers[${denied}]`);
  const allowed = firstMatch(allow.servers, server, ALLOW);
  if (allowed !== undefined) return yes(`${source} allow.servers[${allowed}]`);
  for (const kind of ["tools", "prompts", "resources"] as const) {
    const [entry] = perServer(allow[kind], server);
    if (entry) return yes(`${source} allow.${kind}.${entry[0]}`);
  }
  return no(`${source} (no allow rule matches)`);
}

/** May an agent narrow itself to this sub-agent? Deny wins; nothing is delegable unless listed. */
export function decideDelegate(layer: RuleLayer, subAgent: string): Decision {
  const denied = firstMatch(layer.deny.delegates, subAgent, DENY);
  if (denied !== undefined) return no(`${layer.source} deny.delegates[${denied}]`);
  const allowed = firstMatch(layer.allow.delegates, subAgent, ALLOW);
  if (allowed !== undefined) return yes(`${layer.source} allow.delegates[${allowed}]`);
  return no(`${layer.source} (no allow.delegates entry matches '${subAgent}')`);
}

/** Whether a name matches any pattern of a list of globs (used for `vs.agents`). */
export function matchesAny(patterns: readonly string[], value: string): boolean {
  return firstMatch(patterns, value, ALLOW) !== undefined;
}

/** Whether a per-server map of globs (keyed by server name or glob) names this item of this server. */
export function matchesPerServer(map: Record<string, string[]> | undefined, server: string, name: string): boolean {
  return perServer(map, server).some(([, patterns]) => firstMatch(patterns, name, ALLOW) !== undefined);
}

const ALLOW = { dot: true, windows: false } as const;
const DENY = { dot: true, windows: false, nocase: true } as const;
type MatchOptions = typeof ALLOW | typeof DENY;

const matchers = new Map<string, (value: string) => boolean>();

function firstMatch(patterns: readonly string[] | undefined, value: string, options: MatchOptions): number | undefined {
  if (!patterns) return undefined;
  for (let i = 0; i < patterns.length; i++) if (matcher(patterns[i]!, options)(value)) return i;
  return undefined;
}

function matcher(pattern: string, options: MatchOptions): (value: string) => boolean {
  const key = `${options === DENY ? "i" : "s"}:${pattern}`;
  let match = matchers.get(key);
  if (!match) {
    // A lone `*` means everything, as people write it: for a URI (or a name with `/`) too,
    // where a glob's `*` alone would stop at the first `/`.
    match = pattern === "*" ? () => true : picomatch(pattern, options);
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(key, match);
  }
  return match;
}

/** The entries of a per-server map whose key (a name or a glob) matches the server. */
function perServer(map: Record<string, string[]> | undefined, server: string): Array<[string, string[]]> {
  if (!map) return [];
  return Object.entries(map).filter(([key]) => matcher(key, ALLOW)(server));
}

const yes = (rule: string): Decision => ({ allowed: true, rule });
const no = (rule: string): Decision => ({ allowed: false, rule });
