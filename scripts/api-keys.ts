// What `npm run key:create` computes: a random API key, its SHA-256, the KV record and the
// `wrangler kv key put` commands that store it. Pure apart from randomness and the clock
// (passed in); argument parsing for the CLI lives here too. Running wrangler is key-create.ts's job.
import { z } from "zod";
import { ApiKeySchema, NameSchema, type ApiKey } from "../src/config/schemas.js";
import { sha256Hex } from "../src/observe/hash.js";

/** Marks a string as this gateway's key, so scanners and audit redaction can spot leaked ones. */
export const API_KEY_PREFIX = "mcpgw_";
/** KEY_PREFIX.apiKey of src/config/snapshot.ts (a test keeps them equal); not imported, so this
 * module type-checks with Node's types alone. */
export const KV_KEY_PREFIX = "apikey:";
export const API_KEY_BYTES = 32;
/** Longest --expires duration, so a typo cannot make a key that effectively never expires. */
export const MAX_EXPIRY_DAYS = 3650;
/** Where `npm run dev` keeps local state; the local command must write there. */
export const LOCAL_PERSIST_DIR = ".wrangler/state";

export interface KeyOptions {
  agent: string;
  label?: string;
  /** An ISO date or datetime, or a duration such as "90d". */
  expires?: string;
  writeLocal: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export const USAGE = `Usage: npm run key:create -- --agent <name> [--label <text>] [--expires <date|Nd>] [--write-local]

  --agent <name>    the agent the key authenticates as (agent:<name> holds its rules)
  --label <text>    who or what holds the key, shown in audit lines (at most 200 characters)
  --expires <when>  an ISO date (2027-01-31, meaning 00:00 UTC), an ISO datetime with offset
                    (2027-01-31T12:00:00Z), or a number of days from now (90d)
  --write-local     also store the record in local KV (${LOCAL_PERSIST_DIR}) for npm run dev`;

/** A 32-byte random key, base64url, with the gateway's prefix. */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(API_KEY_BYTES));
  const base64 = btoa(String.fromCharCode(...bytes));
  return API_KEY_PREFIX + base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The KV key id: SHA-256 hex of exactly the raw key, as the gateway computes it on each request. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

export function parseArgs(argv: readonly string[]): Parsed<KeyOptions | "help"> {
  const values = new Map<string, string>();
  let writeLocal = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { ok: true, value: "help" };
    if (arg === "--write-local") {
      writeLocal = true;
      continue;
    }
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? splitOnce(arg, "=") : [arg, undefined];
    if (flag !== "--agent" && flag !== "--label" && flag !== "--expires")
      return { ok: false, problem: arg.startsWith("-") ? `unknown option ${flag}` : `unexpected argument '${arg}'` };
    if (values.has(flag)) return { ok: false, problem: `${flag} given more than once` };
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--")))
      return { ok: false, problem: `${flag} needs a value` };
    values.set(flag, value);
  }
  const agent = values.get("--agent");
  if (agent === undefined) return { ok: false, problem: "--agent <name> is required" };
  const name = NameSchema.safeParse(agent);
  if (!name.success) return { ok: false, problem: `invalid agent name '${agent}': ${NameSchema.description}` };
  const label = values.get("--label");
  const expires = values.get("--expires");
  return {
    ok: true,
    value: {
      agent: name.data,
      ...(label !== undefined && { label }),
      ...(expires !== undefined && { expires }),
      writeLocal,
    },
  };
}

/** An ISO date (00:00 UTC that day), an ISO datetime with offset, or "Nd"; always in the future. */
export function parseExpiry(text: string, now: Date): Parsed<string> {
  const days = /^(\d{1,5})d$/.exec(text);
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > MAX_EXPIRY_DAYS) return { ok: false, problem: `--expires ${text}: use 1d to ${MAX_EXPIRY_DAYS}d` };
    return { ok: true, value: new Date(now.getTime() + n * 86_400_000).toISOString() };
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  const problem = `--expires ${text}: expected an ISO date (2027-01-31), an ISO datetime with offset (2027-01-31T12:00:00Z) or days (90d)`;
  if (!iso) return { ok: false, problem };
  const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  // Date.parse rolls 2027-02-30 over to March; a calendar date has to exist as written.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    return { ok: false, problem: `--expires ${text}: no such date` };
  const at = Date.parse(text);
  if (Number.isNaN(at)) return { ok: false, problem };
  if (at <= now.getTime()) return { ok: false, problem: `--expires ${text} is not in the future` };
  return { ok: true, value: new Date(at).toISOString() };
}

export interface CreatedKey {
  /** Show once; never store. */
  key: string;
  hash: string;
  kvKey: string;
  record: ApiKey;
  /** The record as stored: compact JSON. */
  json: string;
  /** argv for `wrangler`, without the leading `npx wrangler`. */
  localArgs: string[];
  remoteArgs: string[];
}

export async function createApiKey(options: KeyOptions, now: Date): Promise<Parsed<CreatedKey>> {
  let expiresAt: string | undefined;
  if (options.expires !== undefined) {
    const expiry = parseExpiry(options.expires, now);
    if (!expiry.ok) return expiry;
    expiresAt = expiry.value;
  }
  const parsed = ApiKeySchema.safeParse({
    agent: options.agent,
    ...(options.label !== undefined && { label: options.label }),
    ...(expiresAt !== undefined && { expiresAt }),
    createdAt: now.toISOString(),
  });
  if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error).replaceAll("\n", "; ") };
  const record = parsed.data;
  const key = generateApiKey();
  const hash = await hashApiKey(key);
  const kvKey = KV_KEY_PREFIX + hash;
  const json = JSON.stringify(record);
  return {
    ok: true,
    value: {
      key,
      hash,
      kvKey,
      record,
      json,
      localArgs: ["kv", "key", "put", "--local", "--binding", "CONFIG", "--persist-to", LOCAL_PERSIST_DIR, kvKey, json],
      remoteArgs: ["kv", "key", "put", "--remote", "--binding", "CONFIG", kvKey, json],
    },
  };
}

/** A command line a POSIX shell reads back as exactly `args`. */
export function shellCommand(args: readonly string[]): string {
  return args.map((arg) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`)).join(" ");
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}
