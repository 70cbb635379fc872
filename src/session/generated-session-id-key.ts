// GeneratedSessionIdKey: the one Durable Object that holds the key session ids are signed
// with when the Worker secret SESSION_ID_KEY is not set. It makes 256 random bits on the
// first ask and keeps them in its storage, so every isolate, now and after a restart, signs
// and checks with the same key. Choosing between the secret and this key is session-id-key.ts's.
import { DurableObject } from "cloudflare:workers";

const KEY_BYTES = 32;
/** Storage key of the key material (an ArrayBuffer). */
const MATERIAL_KEY = "material";

export class GeneratedSessionIdKey extends DurableObject<Env> {
  /** The key material, made once. */
  material(): ArrayBuffer {
    const kv = this.ctx.storage.kv;
    const kept = kv.get<ArrayBuffer>(MATERIAL_KEY);
    if (kept !== undefined) return kept;
    const made = crypto.getRandomValues(new Uint8Array(KEY_BYTES)).buffer;
    kv.put(MATERIAL_KEY, made);
    return made;
  }
}
