// The layout of a session object's storage. One place, so eviction recovery and
// cleanup read and write the same keys.

/** The session itself: see SessionRecord. Absent: no such session (never opened, or ended). */
export const SESSION_KEY = "session";
/** `upstream:<server>` → UpstreamState of that upstream for this client session. */
export const UPSTREAM_KEY_PREFIX = "upstream:";
/** `event:<seq, zero-padded>` → a recorded stream event, for Last-Event-ID replay. */
export const EVENT_KEY_PREFIX = "event:";
/** The next stream number. */
export const NEXT_STREAM_KEY = "streams:next";

export function upstreamKey(server: string): string {
  return `${UPSTREAM_KEY_PREFIX}${server}`;
}

export function eventKey(seq: number): string {
  return `${EVENT_KEY_PREFIX}${String(seq).padStart(15, "0")}`;
}
