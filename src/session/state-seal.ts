// Seals a `requestState` the gateway hands a 2026-07-28 client (gateway/state-seal.ts):
// `gwc1.<payload>.<tag>`, the payload base64url JSON, the tag an HMAC-SHA256 of the prefix
// and payload under the session-id key (session-id-key.ts), so every isolate can check a
// state any other sealed, and no client can forge or alter one.
import { constantTimeEqual } from "../auth/api-key.js";
import { SEALED_STATE_PREFIX, type StateSeal } from "../gateway/state-seal.js";
import { toHex } from "../observe/hash.js";
import { sessionIdKey } from "./session-id-key.js";

const encoder = new TextEncoder();

export function stateSealFor(env: Env): StateSeal {
  const tag = async (payload: string) =>
    toHex(
      new Uint8Array(
        await crypto.subtle.sign("HMAC", await sessionIdKey(env), encoder.encode(`${SEALED_STATE_PREFIX}${payload}`)),
      ),
    );
  return {
    async seal(payload) {
      const encoded = base64url(JSON.stringify(payload));
      return `${SEALED_STATE_PREFIX}${encoded}.${await tag(encoded)}`;
    },
    async open(state) {
      if (!state.startsWith(SEALED_STATE_PREFIX)) return undefined;
      const [encoded, sent, ...rest] = state.slice(SEALED_STATE_PREFIX.length).split(".");
      if (encoded === undefined || sent === undefined || rest.length > 0) return undefined;
      if (!constantTimeEqual(sent, await tag(encoded))) return undefined;
      try {
        const payload: unknown = JSON.parse(fromBase64url(encoded));
        return typeof payload === "object" && payload !== null && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function base64url(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(encoded: string): string {
  const binary = atob(encoded.replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
