// Seeds the CONFIG namespace for one test and makes the isolate read it at once (and
// forget the upstream lists it cached), so each test starts from exactly what it wrote.
import { env } from "cloudflare:workers";
import { configStore } from "../../../src/config/store.js";
import { clearCatalog } from "../../../src/gateway/catalog.js";
import { sha256Hex } from "../../../src/observe/hash.js";

/** The key every test request carries unless it says otherwise (support/client.ts). */
export const TEST_API_KEY = "mcpgw_integration_test_key";
/** The agent that key authenticates as; by default it may see every server. */
export const TEST_AGENT = "tester";

export interface Seed {
  /** `server:<name>` entries: objects are written as JSON, strings as they are. */
  servers?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  /** `agent:<name>` entries; the default test agent's is added unless given here. */
  agents?: Record<string, unknown>;
  /** `vs:<name>` entries. */
  virtualServers?: Record<string, unknown>;
  /** Raw key → `apikey:` record; the default test key is always added. */
  apiKeys?: Record<string, Record<string, unknown>>;
  /** `guard:<name>` entries. */
  guards?: Record<string, unknown>;
}

export async function seedConfig(seed: Seed): Promise<void> {
  await clearKv();
  // Read once empty, so that no entry of an earlier test is kept as a "last good" version.
  await forgetCaches();
  for (const [name, value] of Object.entries(seed.servers ?? {})) await putServer(name, value);
  if (seed.settings) await env.CONFIG.put("settings", JSON.stringify(seed.settings));
  const agents = { [TEST_AGENT]: { allow: { servers: ["*"] } }, ...seed.agents };
  for (const [name, rules] of Object.entries(agents)) await env.CONFIG.put(`agent:${name}`, JSON.stringify(rules));
  for (const [name, vs] of Object.entries(seed.virtualServers ?? {})) {
    await env.CONFIG.put(`vs:${name}`, JSON.stringify(vs));
  }
  for (const [name, guard] of Object.entries(seed.guards ?? {}))
    await env.CONFIG.put(`guard:${name}`, JSON.stringify(guard));
  const keys = { [TEST_API_KEY]: { agent: TEST_AGENT }, ...seed.apiKeys };
  for (const [raw, record] of Object.entries(keys)) await putApiKey(raw, record);
  await forgetCaches();
}

export async function putApiKey(rawKey: string, record: Record<string, unknown>): Promise<void> {
  await env.CONFIG.put(`apikey:${await sha256Hex(rawKey)}`, JSON.stringify(record));
}

/** Writes one registration without touching the rest (for tests that change config live). */
export async function putServer(name: string, value: unknown): Promise<void> {
  await env.CONFIG.put(`server:${name}`, typeof value === "string" ? value : JSON.stringify(value));
}

export async function putSettings(settings: Record<string, unknown>): Promise<void> {
  await env.CONFIG.put("settings", JSON.stringify(settings));
}

/** Makes the isolate read KV again now, as a config reload does, keeping what it learned of upstreams. */
export async function reloadConfig(): Promise<void> {
  await configStore(env).reload();
}

/** Reads the configuration now, as the isolate would within `configRefreshSeconds`, and drops cached lists. */
export async function forgetCaches(): Promise<void> {
  await configStore(env).reload();
  clearCatalog();
}

async function clearKv(): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await env.CONFIG.list(cursor ? { cursor } : {});
    await Promise.all(page.keys.map((key) => env.CONFIG.delete(key.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
