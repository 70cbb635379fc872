// Reads the whole configuration out of KV into one immutable, versioned snapshot.
// Invalid entries are skipped and reported; an entry that turns invalid keeps its last
// good version (per isolate) instead of being replaced by garbage. No caching here:
// see store.ts for when snapshots are taken.
import { z } from "zod";
import { GuardSchema, type Guard } from "./guard-schema.js";
import { PinApprovalsSchema, type PinApprovals, type ToolPinning } from "./pin-schema.js";
import { referenceWarnings } from "./reference-warnings.js";
import { resolveHeaderSecrets } from "./secrets.js";
import {
  AgentRulesSchema,
  ApiKeySchema,
  NameSchema,
  ServerRegistrationSchema,
  SettingsSchema,
  VirtualServerSchema,
  DEFAULT_SETTINGS,
  type AgentRules,
  type ApiKey,
  type ServerRegistration,
  type Settings,
  type VirtualServer,
} from "./schemas.js";
import { sha256Hex } from "../observe/hash.js";
import { SecretForms } from "../observe/secret-forms.js";
import type { TracingConfig } from "../observe/tracing/tracer.js";

export const KEY_PREFIX = {
  server: "server:",
  agent: "agent:",
  virtualServer: "vs:",
  apiKey: "apikey:",
  guard: "guard:",
  pin: "pin:",
} as const;
const API_KEY_HASH = /^[0-9a-f]{64}$/;
export const SETTINGS_KEY = "settings";
/** KV bulk reads take at most this many keys. */
const BULK_GET_LIMIT = 100;

/** When an upstream's circuit breaker opens (consecutive failures) and for how long. */
export interface BreakerPolicy {
  failures: number;
  openMs: number;
}

export interface ResolvedServer {
  name: string;
  registration: ServerRegistration;
  /** Header values with secrets substituted: never log these. */
  headers: Record<string, string>;
  /**
   * The forms of the substituted secret values, replaced wherever they would show: in
   * everything read back from the upstream, in /status and in audit lines. Undefined when
   * the registration references no secret long enough to look for.
   */
  secretForms: SecretForms | undefined;
  timeoutMs: number;
  /** Extra attempts for idempotent requests (settings.retries). */
  retries: number;
  /** When its circuit breaker opens and for how long (settings.breaker*). */
  breaker: BreakerPolicy;
  /** Changes whenever the URL or a resolved header changes, without revealing either. */
  fingerprint: string;
  /** settings.toolPinning, and the fingerprints `pin:<server>` approves. */
  pinning: ServerPinning;
}

export interface ServerPinning {
  mode: ToolPinning;
  approved: PinApprovals;
  /** Changes whenever the mode or an approval changes: lists checked under other pins are not reused. */
  key: string;
}

/** A valid guard, with its provider's header secrets substituted: never log these. */
export interface ResolvedGuard {
  name: string;
  guard: Guard;
  providerHeaders: Record<string, string>;
}

export interface ConfigProblem {
  key: string;
  problem: string;
  /** True when an earlier valid version of the entry is still in force. */
  keptLastGood: boolean;
}

export interface ConfigSnapshot {
  revision: string;
  loadedAt: number;
  settings: Settings;
  /** Enabled, valid servers, in name order. */
  servers: ReadonlyMap<string, ResolvedServer>;
  /** Servers registered but unusable (bad entry, missing secret), by name, with why. */
  unusable: ReadonlyMap<string, string>;
  problems: ConfigProblem[];
  /** Valid but suspicious configuration, such as rules naming unregistered servers. */
  warnings: string[];
  agents: ReadonlyMap<string, AgentRules>;
  virtualServers: ReadonlyMap<string, VirtualServer>;
  /** By SHA-256 hex of the raw key. */
  apiKeys: ReadonlyMap<string, ApiKey>;
  /** Valid guards by name; a name used in `guards` but missing here refuses the calls it applies to. */
  guards: ReadonlyMap<string, ResolvedGuard>;
  /** settings.tracing with its header secrets substituted; absent when unset or a secret is missing. */
  tracing?: TracingConfig;
}

/** Last parsed value of each key, so a bad edit does not erase a working entry. */
export type LastGood = Map<string, unknown>;

export async function loadSnapshot(
  kv: KVNamespace,
  env: Record<string, unknown>,
  lastGood: LastGood,
): Promise<ConfigSnapshot> {
  const listed = await Promise.all(Object.values(KEY_PREFIX).map((prefix) => listKeys(kv, prefix)));
  const keys = [SETTINGS_KEY, ...listed.flat()];
  const raw = await getAll(kv, keys);
  const entries = new Entries(raw, lastGood);
  const settings = entries.parse(SETTINGS_KEY, SettingsSchema) ?? DEFAULT_SETTINGS;
  const pins = entries.named(keys, KEY_PREFIX.pin, PinApprovalsSchema, isName);
  const { servers, unusable } = await resolveServers(entries, keys, settings, env, pins);
  const agents = entries.named(keys, KEY_PREFIX.agent, AgentRulesSchema, isName);
  const virtualServers = entries.named(keys, KEY_PREFIX.virtualServer, VirtualServerSchema, isName);
  const apiKeys = entries.named(keys, KEY_PREFIX.apiKey, ApiKeySchema, (hash) => API_KEY_HASH.test(hash));
  const guards = resolveGuards(entries.named(keys, KEY_PREFIX.guard, GuardSchema, isName), entries, env);
  const tracing = resolveTracing(settings.tracing, entries, env);
  const registered = new Set([...servers.keys(), ...unusable.keys()]);
  const registrations = new Map<string, ServerRegistration>();
  for (const [name, server] of servers) registrations.set(name, server.registration);
  const sorted = [...raw.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    revision: (await sha256Hex(JSON.stringify(sorted))).slice(0, 12),
    loadedAt: Date.now(),
    settings,
    servers,
    unusable,
    problems: entries.problems,
    warnings: referenceWarnings({ agents, virtualServers, registered, registrations, guards: new Set(guards.keys()) }),
    agents,
    virtualServers,
    apiKeys,
    guards,
    ...(tracing ? { tracing } : {}),
  };
}

/** The raw KV values of one load, parsed on demand, with the problems found and the last good versions kept. */
class Entries {
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly raw: ReadonlyMap<string, string>,
    private readonly lastGood: LastGood,
  ) {
    // A deleted entry must not come back as the "last good" version of a later bad one.
    for (const key of lastGood.keys()) if (!raw.has(key)) lastGood.delete(key);
  }

  parse<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const text = this.raw.get(key);
    if (text === undefined) return undefined;
    const parsed = parseJson(text, schema, key.startsWith(KEY_PREFIX.server));
    if (parsed.ok) {
      this.lastGood.set(key, parsed.value);
      return parsed.value;
    }
    const kept = this.lastGood.get(key) as T | undefined;
    this.problems.push({ key: shownKey(key), problem: parsed.problem, keptLastGood: kept !== undefined });
    return kept;
  }

  /** Every valid entry under a prefix, by name; bad names and bad values are reported. */
  named<T>(keys: readonly string[], prefix: string, schema: z.ZodType<T>, nameIsValid: (name: string) => boolean) {
    const entries = new Map<string, T>();
    for (const key of keys.filter((k) => k.startsWith(prefix)).sort()) {
      const name = key.slice(prefix.length);
      if (!nameIsValid(name)) {
        const shown = shownKey(key);
        const problem =
          prefix === KEY_PREFIX.apiKey
            ? "the name after 'apikey:' must be the SHA-256 hex digest of the key, never the key itself (npm run key:create)"
            : `'${name}' is not a valid name for ${prefix}<name>`;
        this.problems.push({ key: shown, problem, keptLastGood: false });
        continue;
      }
      const value = this.parse(key, schema);
      if (value !== undefined) entries.set(name, value);
    }
    return entries;
  }
}

/**
 * How a KV key is named where problems are reported (logs, /status). An API key's entry is
 * named by the first 8 digits of its hash only, as audit lines name keys (`keyId`): enough
 * to find it, never the whole hash. A name that is no hash may be the raw key itself, stored
 * by mistake: it is never repeated.
 */
function shownKey(key: string): string {
  if (!key.startsWith(KEY_PREFIX.apiKey)) return key;
  const name = key.slice(KEY_PREFIX.apiKey.length);
  return `${KEY_PREFIX.apiKey}${API_KEY_HASH.test(name) ? `${name.slice(0, 8)}…` : "(name hidden)"}`;
}

/** The usable registrations, with their secrets resolved, and the unusable ones with why. */
async function resolveServers(
  entries: Entries,
  keys: readonly string[],
  settings: Settings,
  env: Record<string, unknown>,
  pins: ReadonlyMap<string, PinApprovals>,
) {
  const servers = new Map<string, ResolvedServer>();
  const unusable = new Map<string, string>();
  for (const key of keys.filter((k) => k.startsWith(KEY_PREFIX.server)).sort()) {
    const name = key.slice(KEY_PREFIX.server.length);
    if (!NameSchema.safeParse(name).success) {
      const problem = `'${name}' is not a valid name: ${NameSchema.description ?? "see docs/configuration.md"}`;
      entries.problems.push({ key, problem, keptLastGood: false });
      unusable.set(name, "invalid name");
      continue;
    }
    const registration = entries.parse(key, ServerRegistrationSchema);
    if (!registration) {
      unusable.set(name, "invalid registration");
      continue;
    }
    if (!registration.enabled) continue;
    const secrets = resolveHeaderSecrets(registration.headers, env);
    if (!secrets.ok) {
      const problem = `headers reference missing secret(s) ${secrets.missing.join(", ")}: set them with 'wrangler secret put' (or .dev.vars locally)`;
      entries.problems.push({ key, problem, keptLastGood: false });
      unusable.set(name, problem);
      continue;
    }
    servers.set(name, {
      name,
      registration,
      headers: secrets.headers,
      secretForms: SecretForms.of(secrets.secretValues),
      timeoutMs: registration.timeoutMs ?? settings.defaultTimeoutMs,
      retries: settings.retries,
      breaker: { failures: settings.breakerFailures, openMs: settings.breakerOpenSeconds * 1000 },
      fingerprint: (await sha256Hex(JSON.stringify([registration.url, secrets.headers]))).slice(0, 16),
      pinning: await pinningOf(settings.toolPinning, pins.get(name) ?? {}),
    });
  }
  return { servers, unusable };
}

async function pinningOf(mode: ToolPinning, approved: PinApprovals): Promise<ServerPinning> {
  const key = mode === "off" ? "off" : `${mode}:${(await sha256Hex(JSON.stringify(approved))).slice(0, 12)}`;
  return { mode, approved, key };
}

/** settings.tracing with its header secrets substituted; missing secrets are a problem, and no traces are sent. */
function resolveTracing(
  tracing: Settings["tracing"],
  entries: Entries,
  env: Record<string, unknown>,
): TracingConfig | undefined {
  if (!tracing) return undefined;
  const secrets = resolveHeaderSecrets(tracing.headers, env);
  if (!secrets.ok) {
    const problem = `tracing.headers reference missing secret(s) ${secrets.missing.join(", ")}: no traces are sent until they are set with 'wrangler secret put' (or .dev.vars locally)`;
    entries.problems.push({ key: SETTINGS_KEY, problem, keptLastGood: false });
    return undefined;
  }
  const { endpoint, serviceName, sampleRatio } = tracing;
  return { endpoint, headers: secrets.headers, serviceName, sampleRatio };
}

/** Guards with their provider's header secrets substituted; one whose secrets are missing is a problem, and absent. */
function resolveGuards(parsed: ReadonlyMap<string, Guard>, entries: Entries, env: Record<string, unknown>) {
  const guards = new Map<string, ResolvedGuard>();
  for (const [name, guard] of parsed) {
    const secrets = resolveHeaderSecrets(guard.provider?.headers ?? {}, env);
    if (!secrets.ok) {
      const problem = `provider.headers reference missing secret(s) ${secrets.missing.join(", ")}: set them with 'wrangler secret put' (or .dev.vars locally)`;
      entries.problems.push({ key: `${KEY_PREFIX.guard}${name}`, problem, keptLastGood: false });
      continue;
    }
    guards.set(name, { name, guard, providerHeaders: secrets.headers });
  }
  return guards;
}

function isName(name: string): boolean {
  return NameSchema.safeParse(name).success;
}

async function listKeys(kv: KVNamespace, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return names;
}

async function getAll(kv: KVNamespace, keys: string[]): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (let i = 0; i < keys.length; i += BULK_GET_LIMIT) {
    const chunk = await kv.get(keys.slice(i, i + BULK_GET_LIMIT), "text");
    for (const [key, value] of chunk) if (value !== null) values.set(key, value);
  }
  return values;
}

function parseJson<T>(
  text: string,
  schema: z.ZodType<T>,
  refuseProtoKeys = false,
): { ok: true; value: T } | { ok: false; problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not valid JSON" };
  }
  // zod leaves `__proto__` keys out of records: a header of that name would vanish unreported.
  const protoAt = refuseProtoKeys ? protoKeyPath(data, "") : undefined;
  if (protoAt !== undefined) return { ok: false, problem: `'__proto__' is not allowed as a key (at ${protoAt})` };
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: z.prettifyError(parsed.error).replaceAll("\n", "; ") };
}

/** Where `value` has an own `__proto__` key, as a path; undefined when nowhere (schemas refuse deeper values). */
function protoKeyPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value !== "object" || value === null || depth > 16) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const here = path === "" ? key : `${path}.${key}`;
    if (key === "__proto__") return here;
    const found = protoKeyPath(child, here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
