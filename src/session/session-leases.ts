// How many sessions one agent holds, kept as leases: each open session, named by the random
// half of its id, with the time its lease ends (when the session would idle out). A session
// takes a lease when it starts, renews it as it records activity and gives it back when it
// ends; a lease that ran out without either (a session object that failed before it could
// say so) stops counting on its own, so the count cannot leak. Pure: the AgentSessions
// object (agent-sessions.ts) keeps the leases.

/** Session name → when its lease ends (ms since the epoch). */
export type Leases = Map<string, number>;

/**
 * How long after its end a lease still counts. A session records activity at most once a
 * minute, so it may idle out up to a minute after the lease it last renewed says; a lease
 * past this grace belongs to a session that is gone.
 */
export const LEASE_GRACE_MS = 5 * 60_000;

export type Admission = { admitted: true } | { admitted: false; held: number };

/** Takes a lease for a new session unless the agent already holds `cap` live ones. */
export function admit(leases: Leases, name: string, until: number, cap: number, now: number): Admission {
  dropLapsed(leases, now);
  if (!leases.has(name) && leases.size >= cap) return { admitted: false, held: leases.size };
  leases.set(name, until);
  return { admitted: true };
}

/** Extends a session's lease; a live session whose lease had lapsed counts again. */
export function renew(leases: Leases, name: string, until: number, now: number): void {
  dropLapsed(leases, now);
  leases.set(name, Math.max(until, leases.get(name) ?? until));
}

/** The session ended: its place is free. */
export function release(leases: Leases, name: string): void {
  leases.delete(name);
}

function dropLapsed(leases: Leases, now: number): void {
  for (const [name, until] of leases) if (until + LEASE_GRACE_MS <= now) leases.delete(name);
}
