// Where the key that signs session ids comes from: the Worker secret SESSION_ID_KEY when it
// is set; otherwise a key the gateway generated once and keeps in its GeneratedSessionIdKey
// object (local development, tests, a deployment that set none), which the log says once
// per isolate. Read once per isolate, so checking a session id costs an HMAC, never a
// Durable Object hop or a KV read. Signing and checking ids is session-ids.ts's business.
import { errors } from "../mcp/errors.js";
import { log } from "../observe/log.js";
import { importSessionIdKey } from "./session-ids.js";

/** A secret shorter than this is used, with a warning: it is easier to guess than the key it stands for. */
const MIN_SECRET_LENGTH = 32;
/** The one GeneratedSessionIdKey object. */
const GENERATED_KEY_OBJECT = "gateway";

let cached: Promise<CryptoKey> | undefined;

/** The isolate's session-id key; a failure to get it is not kept, so the next request asks again. */
export function sessionIdKey(env: Env): Promise<CryptoKey> {
  cached ??= load(env).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function load(env: Env): Promise<CryptoKey> {
  const secret = env.SESSION_ID_KEY;
  if (secret !== undefined && secret !== "") {
    if (secret.length < MIN_SECRET_LENGTH) log("warn", "session_ids.short_key", { length: secret.length });
    return importSessionIdKey(new TextEncoder().encode(secret));
  }
  const namespace = env.GENERATED_SESSION_ID_KEY;
  let material: Uint8Array;
  try {
    material = new Uint8Array(await namespace.get(namespace.idFromName(GENERATED_KEY_OBJECT)).material());
  } catch (error) {
    log("error", "session_ids.key_unavailable", { reason: String(error) });
    throw errors.internal();
  }
  log("info", "session_ids.generated_key", {
    note: "SESSION_ID_KEY is not set: session ids are signed with a key the gateway generated and keeps",
  });
  return importSessionIdKey(material);
}
