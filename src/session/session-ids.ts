// The session ids the gateway issues, and the check that a presented id is one of them.
// An id is 128 random bits followed by the first 128 bits of their HMAC-SHA256 under the
// gateway's session-id key: 64 lower-case hex digits, as before. Any id the gateway did not
// issue (random, or a real one altered) fails the check at the edge, before a session object
// is reached or created. Where the key comes from is session-id-key.ts's business.
import { constantTimeEqual } from "../auth/api-key.js";
import { toHex } from "../observe/hash.js";

const RANDOM_BYTES = 16;
const TAG_BYTES = 16;
const SESSION_ID = /^[0-9a-f]{64}$/;

/** A new session id, signed with `key`. */
export async function issueSessionId(key: CryptoKey): Promise<string> {
  const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  return toHex(random) + (await tagOf(key, random));
}

/** Ids already checked in this isolate, so a session's later requests cost no HMAC; the oldest go first. */
const checked = new WeakMap<CryptoKey, Set<string>>();
const MAX_CHECKED = 10_000;

/** Whether `id` is one `issueSessionId` made with this key; compared in constant time. */
export async function isIssuedSessionId(key: CryptoKey, id: string): Promise<boolean> {
  if (!SESSION_ID.test(id)) return false;
  let known = checked.get(key);
  if (known?.has(id)) return true;
  const random = fromHex(id.slice(0, RANDOM_BYTES * 2));
  if (!constantTimeEqual(id.slice(RANDOM_BYTES * 2), await tagOf(key, random))) return false;
  if (!known) checked.set(key, (known = new Set()));
  if (known.size >= MAX_CHECKED) known.delete(known.values().next().value!);
  known.add(id);
  return true;
}

/** The part of an id that names its session without being usable as one (the tag is left out). */
export function sessionIdName(id: string): string {
  return id.slice(0, RANDOM_BYTES * 2);
}

/** An HMAC-SHA256 key for session ids, from raw key material. */
export function importSessionIdKey(material: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

async function tagOf(key: CryptoKey, random: Uint8Array): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, random);
  return toHex(new Uint8Array(mac, 0, TAG_BYTES));
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
