// Audit lines: one structured JSON line per policy decision and per upstream call, through
// log(), and the redaction applied to every payload and string in them. A denial or guard
// decision is also noted, cut down to who/where/which rule, in the ops report (for /status
// and /admin). Deciding, timing and choosing whether payloads are logged (a registration's
// auditPayloads) are the callers' job.
import { log } from "./log.js";
import { opsReport } from "./ops-report.js";
import { recentEventOf } from "./recent-events.js";
import { SecretForms } from "./secret-forms.js";

export type AuditKind = "decision" | "upstream" | "guard";
export type AuditDecision = "allow" | "deny" | "filtered";

/** One audit record. `time` and `level` are added by log(); undefined fields are left out. */
export interface AuditLine {
  kind: AuditKind;
  /** The JSON-RPC method, such as "tools/call" or "tools/list". */
  method: string;
  requestId?: string;
  agent?: string;
  /** First 8 hex digits of the API key's hash, and the key's label: which key acted. */
  keyId?: string;
  keyLabel?: string;
  /** For an OAuth access token: its issuer and subject (never the token itself). */
  oauthIssuer?: string;
  oauthSubject?: string;
  /** The sub-agent the principal narrowed itself to. */
  delegate?: string;
  virtualServer?: string;
  /** Registration name. */
  server?: string;
  /** Tool or prompt name as the upstream knows it. */
  name?: string;
  uri?: string;
  decision?: AuditDecision;
  /** The rule that decided, such as "agent:frontend deny.tools.postgres[0]". */
  rule?: string;
  /** Config revision in force. */
  revision?: string;
  /** With settings.tracing: the trace of the request (32 hex digits), as the collector shows it. */
  traceId?: string;
  /** "ok", "error:<JSON-RPC code>", or a gateway code such as "TIMEOUT" or "SERVER_UNAVAILABLE". */
  upstreamStatus?: string;
  latencyMs?: number;
  /** For filtered lists: items the agent sees, out of `total`. */
  shown?: number;
  total?: number;
  /** Only when the registration sets auditPayloads; redacted here regardless. */
  arguments?: unknown;
  result?: unknown;
  /** A call made through a meta-tool (`execute_tool`), not named directly. */
  via?: string;
  /** Guard lines: which guard's detector matched how often on which side, and what the guard did (never the value). */
  guard?: string;
  detector?: string;
  count?: number;
  action?: string;
  /** Guard lines: per detector that matched, how often and what the guard does with it. */
  detections?: Array<{ detector: string; count: number; action: string }>;
  side?: "request" | "response";
  /** Why a guard could not check (its entry is missing, its analyzer failed). */
  reason?: string;
}

export const REDACTED = "[REDACTED]";

/** Bounds that keep one audit line small whatever a payload holds. */
export const REDACTION_LIMITS = {
  maxDepth: 20,
  maxStringChars: 2000,
  maxArrayItems: 100,
  maxObjectKeys: 100,
  /** Values visited in one payload; past this, the rest is replaced by a marker. */
  maxNodes: 5000,
} as const;

const SECRET_WORDS = String.raw`token|secret|passw(?:or)?d|authorization|api[-_]?key|cookie|credential|private[-_]?key|session`;
const SECRET_KEY = new RegExp(SECRET_WORDS, "i");
// RFC 6750 b64token after the scheme, anywhere in a string.
const BEARER = /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;
// `password=…`, `"api_key": "…"`, `Authorization: Basic …` in free text, query strings and
// embedded JSON. A quoted value is taken whole; the optional scheme word keeps "Basic" from
// being taken for the whole value.
const SECRET_ASSIGNMENT = new RegExp(
  String.raw`((?:${SECRET_WORDS})[\w-]*["']?\s*[:=]\s*)(?:"[^"]*"|'[^']*'|(?:(?:basic|bearer|digest|token)\s+)?[^\s"'&,;}]+)`,
  "gi",
);
// The gateway's own API keys (see scripts/api-keys.ts).
const GATEWAY_KEY = /\bmcpgw_[A-Za-z0-9_-]{16,}/g;
/**
 * BEARER needs "bearer", SECRET_ASSIGNMENT one of SECRET_WORDS, GATEWAY_KEY "mcpgw_": a
 * string with none of them (names, ids, rules such as "agent:a allow.servers[0]") is
 * left as it is without running the patterns.
 */
const MAYBE_SECRET = new RegExp(`${SECRET_WORDS}|bearer|mcpgw_`, "i");

/**
 * Writes one audit line; `secrets` (a registration's secretForms, or plain values) never
 * appear in it, in any of their forms.
 */
export function audit(line: AuditLine, secrets?: SecretForms | readonly string[]): void {
  const { kind, ...fields } = line;
  const redacted = redactPayload(fields, secrets) as Record<string, unknown>;
  log("info", `audit.${kind}`, { kind, ...redacted });
  const event = recentEventOf(kind, redacted, Date.now());
  if (event) opsReport.recent(event);
}

/**
 * A bounded deep copy of `value` with secrets replaced by "[REDACTED]": values under
 * secret-looking keys, bearer tokens, `secret=value` pairs in text, and every form of the
 * given secrets (secret-forms.ts; plain values are turned into their forms here). Keys
 * such as "__proto__" are copied as plain own properties.
 */
export function redactPayload(value: unknown, secrets: SecretForms | readonly string[] | undefined): unknown {
  const forms = secrets instanceof SecretForms || secrets === undefined ? secrets : SecretForms.of(secrets);
  const state = { forms, nodes: 0, ancestors: new Set<object>() };
  return copy(value, 0, state);
}

interface CopyState {
  forms: SecretForms | undefined;
  nodes: number;
  ancestors: Set<object>;
}

function copy(value: unknown, depth: number, state: CopyState): unknown {
  if (++state.nodes > REDACTION_LIMITS.maxNodes) return "[TRUNCATED: payload too large]";
  switch (typeof value) {
    case "string":
      return redactString(value, state.forms);
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "bigint":
      return redactString(value.toString(), state.forms);
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (depth >= REDACTION_LIMITS.maxDepth) return "[TRUNCATED: too deep]";
  if (state.ancestors.has(object)) return "[CIRCULAR]";
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();

  state.ancestors.add(object);
  try {
    return Array.isArray(object) ? copyArray(object, depth, state) : copyObject(object, depth, state);
  } finally {
    state.ancestors.delete(object);
  }
}

function copyArray(items: readonly unknown[], depth: number, state: CopyState): unknown[] {
  const out: unknown[] = [];
  const kept = Math.min(items.length, REDACTION_LIMITS.maxArrayItems);
  for (let i = 0; i < kept; i++) out.push(copy(read(items, i), depth + 1, state));
  if (items.length > kept) out.push(`[TRUNCATED: ${items.length - kept} more items]`);
  return out;
}

function copyObject(object: object, depth: number, state: CopyState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(object);
  const kept = Math.min(keys.length, REDACTION_LIMITS.maxObjectKeys);
  for (const key of keys.slice(0, kept)) {
    const outKey = truncate(redactString(key, state.forms), 200);
    const outValue = SECRET_KEY.test(key) ? REDACTED : copy(read(object, key), depth + 1, state);
    // defineProperty, not assignment: "__proto__" stays data and never reaches a prototype.
    Object.defineProperty(out, outKey, { value: outValue, enumerable: true, writable: true, configurable: true });
  }
  if (keys.length > kept) {
    Object.defineProperty(out, "[TRUNCATED]", {
      value: `${keys.length - kept} more keys`,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Own properties only; a throwing getter costs its value, not the audit line. */
function read(object: object, key: string | number): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
  } catch {
    return "[UNREADABLE]";
  }
}

function redactString(text: string, forms: SecretForms | undefined): string {
  let out = forms ? forms.scrubText(text, REDACTED) : text;
  // Each pattern below needs one of these; most strings (names, ids, methods) have none.
  if (!MAYBE_SECRET.test(out)) return truncate(out, REDACTION_LIMITS.maxStringChars);
  out = out
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, (match, prefix: string) => {
      const quote = match[prefix.length];
      return quote === '"' || quote === "'" ? `${prefix}${quote}${REDACTED}${quote}` : `${prefix}${REDACTED}`;
    })
    .replace(GATEWAY_KEY, REDACTED);
  // Truncated after redacting, so a cut can never leave half a secret unrecognised.
  return truncate(out, REDACTION_LIMITS.maxStringChars);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[TRUNCATED: ${text.length - max} more chars]`;
}
