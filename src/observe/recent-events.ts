// Recent decisions an operator wants to see (policy denials and guard decisions), as
// small records cut from their audit lines, and the one rule that keeps a list of them
// bounded: newest first, at most MAX_RECENT_EVENTS. Only who, where and which rule or
// guard: never arguments, results, matched values, keys or URI queries. Collecting them
// is ops-report.ts's job, keeping them the GatewayStatus object's.

/** How many recent decisions a report carries and the GatewayStatus object keeps. */
export const MAX_RECENT_EVENTS = 50;
/** Longest text kept in any field; a rule or a name is far shorter. */
const MAX_FIELD_CHARS = 200;

export interface RecentEvent {
  at: number;
  kind: "deny" | "guard";
  /** The agent that asked, and the sub-agent it narrowed itself to. */
  agent?: string;
  delegate?: string;
  virtualServer?: string;
  server?: string;
  method: string;
  /** The tool or prompt name, or a resource URI without its query, fragment or credentials. */
  item?: string;
  /** A denial: the rule that refused. */
  rule?: string;
  /** A guard decision: which guard, which detectors matched, what it did, on which side. */
  guard?: string;
  detectors?: string[];
  action?: string;
  side?: string;
}

/** The audit line fields a recent event is cut from (already redacted by audit.ts). */
export type AuditFields = Record<string, unknown>;

/** A recent event for an audit line worth showing (a denial or a guard decision), else undefined. */
export function recentEventOf(kind: string, fields: AuditFields, at: number): RecentEvent | undefined {
  const isDenial = kind === "decision" && fields["decision"] === "deny";
  // A refusal of no one in particular (no key, a bad key) is anyone's to send: it would
  // push the decisions about the gateway's own agents out of a short list.
  if ((!isDenial && kind !== "guard") || text(fields["agent"]) === undefined) return undefined;
  const guard = isDenial
    ? {}
    : { guard: text(fields["guard"]), action: text(fields["action"]), side: text(fields["side"]) };
  const detectors = isDenial ? [] : detectorsOf(fields);
  return withoutUndefined<RecentEvent>({
    at,
    kind: isDenial ? "deny" : "guard",
    method: text(fields["method"]) ?? "?",
    agent: text(fields["agent"]),
    delegate: text(fields["delegate"]),
    virtualServer: text(fields["virtualServer"]),
    server: text(fields["server"]),
    item: text(fields["name"]) ?? uriShown(text(fields["uri"])),
    rule: isDenial ? text(fields["rule"]) : undefined,
    ...guard,
    detectors: detectors.length > 0 ? detectors : undefined,
  });
}

/**
 * The events kept (newest first) with those that arrived (in the order they happened), as
 * one list, newest first, at most MAX_RECENT_EVENTS long. Reports from several isolates
 * interleave, so the list is ordered by time, not by arrival.
 */
export function keepRecent(kept: readonly RecentEvent[], arrived: readonly RecentEvent[]): RecentEvent[] {
  if (arrived.length === 0) return kept.slice(0, MAX_RECENT_EVENTS);
  return [...arrived]
    .reverse()
    .concat(kept)
    .sort((a, b) => b.at - a.at)
    .slice(0, MAX_RECENT_EVENTS);
}

function detectorsOf(fields: AuditFields): string[] {
  const single = text(fields["detector"]);
  const many = Array.isArray(fields["detections"]) ? (fields["detections"] as unknown[]) : [];
  const names = many.flatMap((d) => {
    const name = typeof d === "object" && d !== null ? text((d as Record<string, unknown>)["detector"]) : undefined;
    return name === undefined ? [] : [name];
  });
  return [...new Set(single === undefined ? names : [single, ...names])].slice(0, 10);
}

/** A URI's scheme, host and path: a query, a fragment or user info can carry credentials. */
function uriShown(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  const cut = uri.split(/[?#]/, 1)[0]!;
  return cut.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) if (record[key] === undefined) delete record[key];
  return record;
}

function text(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value;
}
