// Turns an `Authorization: Bearer <key>` header into the agent it stands for. Keys are
// stored only as SHA-256 hashes (`apikey:<hex>`). The presented key is always hashed,
// whatever the header holds, and the stored hash is compared in constant time, so
// neither timing nor messages tell an unknown key from an expired one.
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { ApiKey } from "../config/schemas.js";
import { sha256Hex } from "../observe/hash.js";

export type KeyCheck = { ok: true; hash: string; record: ApiKey } | { ok: false };

export async function checkApiKey(rawKey: string, snapshot: ConfigSnapshot, now: number): Promise<KeyCheck> {
  const hash = await sha256Hex(rawKey);
  const record = snapshot.apiKeys.get(hash);
  const storedHash = record ? hash : DUMMY_HASH;
  const matches = constantTimeEqual(storedHash, hash) && record !== undefined;
  // Evaluated for every key, found or not, so an unknown key costs what an expired one does.
  const expired = Date.parse(record?.expiresAt ?? NEVER) <= now;
  return matches && !expired ? { ok: true, hash, record } : { ok: false };
}

/** The bearer token of an Authorization header; `undefined` when there is none, `null` when malformed. */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([\x21-\x7e]{1,4096})[ ]*$/i.exec(header);
  return match ? match[1]! : null;
}

const DUMMY_HASH = "0".repeat(64);
const NEVER = "9999-12-31T23:59:59Z";

export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
