// The mcpgw commands that read or change the gateway's configuration in KV (local by
// default, --remote for the deployed namespace), through wrangler. Each prints what it
// changed, and refuses an entry the gateway would not load (checked by its own loader).
import { loadSnapshot } from "../src/config/snapshot.js";
import { FOLDERS } from "./config-folder.js";
import type { KvEntry } from "./import-config.js";
import { memoryKv } from "./memory-kv.js";
import { bulkDelete, bulkPut, getAll, listKeys, type Target } from "./wrangler-kv.js";

type Print = (line: string) => void;
type Json = Record<string, unknown>;

/**
 * Why the gateway would not load this entry; undefined when it would. Secrets it references
 * count as set: they are put with `wrangler secret put`, not in KV.
 */
export async function entryProblem(key: string, value: string): Promise<string | undefined> {
  const set = { value: "set", enumerable: true, configurable: true, writable: false };
  const anySecret = new Proxy(
    {},
    {
      get: (_target, name) => (typeof name === "string" ? "set" : undefined),
      getOwnPropertyDescriptor: (_target, name) => (typeof name === "string" ? set : undefined),
    },
  );
  const snapshot = await loadSnapshot(memoryKv({ [key]: value }), anySecret, new Map());
  return snapshot.problems.find((p) => p.key === key)?.problem;
}

async function put(entries: KvEntry[], target: Target, out: Print): Promise<void> {
  for (const { key, value } of entries) {
    const problem = await entryProblem(key, value);
    if (problem) throw new Error(`${key} would not load, nothing written: ${problem}`);
  }
  await bulkPut(entries, target);
  for (const { key } of entries) out(`wrote ${key} (${target})`);
}

async function read(key: string, target: Target): Promise<Json | undefined> {
  const value = (await getAll([key], target)).get(key);
  return value === undefined ? undefined : (JSON.parse(value) as Json);
}

/** Every configuration entry, as a `wrangler kv bulk put` file. */
export async function exportConfig(target: Target, out: Print): Promise<void> {
  const prefixes = [...Object.values(FOLDERS), "apikey:"];
  const keys = (await listKeys(target)).filter((k) => k === "settings" || prefixes.some((p) => k.startsWith(p)));
  const values = await getAll(keys, target);
  const entries = [...values].map(([key, value]) => ({ key, value }));
  out(JSON.stringify(entries, null, 2));
}

export async function listServers(target: Target, out: Print): Promise<void> {
  const values = await getAll(await listKeys(target, "server:"), target);
  for (const [key, value] of values) {
    const registration = JSON.parse(value) as Json;
    const url = new URL(String(registration["url"]));
    const state = registration["enabled"] === false ? "disabled" : "enabled";
    out(`${key.slice("server:".length)}\t${state}\t${url.origin}${url.pathname}`);
  }
}

export async function addServer(
  name: string,
  url: string,
  headers: Record<string, string>,
  target: Target,
  out: Print,
) {
  const registration = { url, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  await put([{ key: `server:${name}`, value: JSON.stringify(registration) }], target, out);
  for (const [, secret] of JSON.stringify(headers).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
    out(`it references secret ${secret}: wrangler secret put ${secret} (locally: ${secret}=… in .dev.vars)`);
}

export async function setServerEnabled(name: string, enabled: boolean, target: Target, out: Print): Promise<void> {
  const key = `server:${name}`;
  const registration = await read(key, target);
  if (!registration) throw new Error(`no ${key} in the ${target} KV`);
  await put([{ key, value: JSON.stringify({ ...registration, enabled }) }], target, out);
}

export async function listKeysOfAgents(target: Target, out: Print): Promise<void> {
  const values = await getAll(await listKeys(target, "apikey:"), target);
  for (const [key, value] of values) {
    const record = JSON.parse(value) as Json;
    const id = key.slice("apikey:".length, "apikey:".length + 8);
    const expires = typeof record["expiresAt"] === "string" ? `expires ${record["expiresAt"]}` : "";
    out([id, record["agent"], record["label"] ?? "", expires].join("\t").trimEnd());
  }
}

/** Revokes the one key whose hash starts with `id` (the 8 digits `keys list` and audit lines show). */
export async function revokeKey(id: string, target: Target, out: Print): Promise<void> {
  if (!/^[0-9a-f]{8,64}$/.test(id)) throw new Error("name the key by the first 8 (or more) hex digits of its id");
  const matching = (await listKeys(target, `apikey:${id}`)).filter((key) => key.startsWith(`apikey:${id}`));
  if (matching.length !== 1)
    throw new Error(
      matching.length === 0 ? `no key ${id}` : `${matching.length} keys start with ${id}: give more digits`,
    );
  await bulkDelete(matching, target);
  out(`revoked ${matching[0]!.slice(0, "apikey:".length + 8)}… (${target})`);
}

/** Approves a tool's new definition: its fingerprint (`drifted` in /status, or the tool.drift line's) into pin:<server>. */
export async function approvePin(server: string, tool: string, fingerprint: string, target: Target, out: Print) {
  const key = `pin:${server}`;
  const approvals = (await read(key, target)) ?? {};
  await put([{ key, value: JSON.stringify({ ...approvals, [tool]: fingerprint }) }], target, out);
}
