// settings.maxSessionsPerAgent as a session object applies it: it takes a place in its
// agent's AgentSessions object when it starts (refused with 429 LIMIT_EXCEEDED when the
// agent holds the cap), renews it as it records activity, and gives it back when it ends.
// Starting fails closed (a counter that cannot be asked refuses the session); renewing and
// ending are best effort, since a place not given back lapses with its lease.
import type { Identity } from "../auth/principal.js";
import { errors } from "../mcp/errors.js";
import { log } from "../observe/log.js";
import type { AgentSessions } from "./agent-sessions.js";
import type { Admission } from "./session-leases.js";
import { sessionIdName } from "./session-ids.js";

/** What the cap needs of a session: whose it is, its id, and when it would idle out. */
export interface CappedSession {
  id: string;
  identity: Identity;
  lastActiveAt: number;
  ttlSeconds: number;
}

/** Takes the session's place; throws LIMIT_EXCEEDED (429) when the agent holds `cap` sessions. */
export async function admitSession(env: Env, session: CappedSession, cap: number): Promise<void> {
  const agent = session.identity.agent;
  let admission: Admission;
  try {
    admission = await counterOf(env, agent).admit(sessionIdName(session.id), leaseEnd(session), cap);
  } catch (error) {
    log("error", "sessions.counter_unavailable", { agent, reason: String(error) });
    throw errors.internal();
  }
  if (admission.admitted) return;
  log("warn", "sessions.capped", { agent, held: admission.held, max: cap });
  throw errors.limitExceeded(
    "maxSessionsPerAgent",
    cap,
    `agent '${agent}' already holds ${admission.held} open sessions; end one (DELETE) or let one idle out`,
    429,
  );
}

export async function renewSession(env: Env, session: CappedSession): Promise<void> {
  const agent = session.identity.agent;
  await counterOf(env, agent)
    .renew(sessionIdName(session.id), leaseEnd(session))
    .catch((error: unknown) => log("warn", "sessions.renew_failed", { agent, reason: String(error) }));
}

export async function releaseSession(env: Env, session: CappedSession): Promise<void> {
  const agent = session.identity.agent;
  await counterOf(env, agent)
    .release(sessionIdName(session.id))
    .catch((error: unknown) => log("warn", "sessions.release_failed", { agent, reason: String(error) }));
}

function leaseEnd(session: CappedSession): number {
  return session.lastActiveAt + session.ttlSeconds * 1000;
}

function counterOf(env: Env, agent: string): DurableObjectStub<AgentSessions> {
  return env.AGENT_SESSIONS.get(env.AGENT_SESSIONS.idFromName(agent));
}
