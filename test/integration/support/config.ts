// Seeds the CONFIG namespace for one test and makes the isolate forget what it cached
// (config snapshot, upstream lists), so each test starts from exactly what it wrote.
import { env } from "cloudflare:workers";
import { resetConfigStoreForTests } from "../../../src/config/store.js";
import { clearCatalog } from "../../../src/gateway/catalog.js";

export interface Seed {
  /** `server:<name>` entries: objects are written as JSON, strings as they are. */
  servers?: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

export async function seedConfig(seed: Seed): Promise<void> {
  await clearKv();
  for (const [name, value] of Object.entries(seed.servers ?? {})) await putServer(name, value);
  if (seed.settings) await env.CONFIG.put("settings", JSON.stringify(seed.settings));
  forgetCaches();
}

/** Writes one registration without touching the rest (for tests that change config live). */
export async function putServer(name: string, value: unknown): Promise<void> {
  await env.CONFIG.put(`server:${name}`, typeof value === "string" ? value : JSON.stringify(value));
}

export async function putSettings(settings: Record<string, unknown>): Promise<void> {
  await env.CONFIG.put("settings", JSON.stringify(settings));
}

export function forgetCaches(): void {
  resetConfigStoreForTests();
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
