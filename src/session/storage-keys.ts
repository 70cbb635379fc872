// The layout of a session object's storage. One place, so eviction recovery and
// cleanup read and write the same keys.

/** The session itself: see SessionRecord. Absent: no such session (never opened, or ended). */
export const SESSION_KEY = "session";
/** `upstream:<server>` → UpstreamSessionState of that upstream for this client session. */
export const UPSTREAM_KEY_PREFIX = "upstream:";

export function upstreamKey(server: string): string {
  return `${UPSTREAM_KEY_PREFIX}${server}`;
}
