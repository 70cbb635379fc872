// Per isolate: the upstream sessions of 2025-era client sessions, as their McpSession
// objects last described them, so that the Worker can answer a session's plain calls
// without the hop to its object (http/session-calls.ts). The object stays the owner: it
// opens and re-opens upstream sessions; a view only borrows them, and is asked for again
// when it is older than VIEW_FRESH_MS, when an upstream forgot a borrowed session, or
// when the session ends here.
import { sameIdentity, type Identity } from "../auth/principal.js";
import type { McpSession, SessionView } from "./mcp-session.js";

/**
 * A view older than this is asked for again. Asking is also the session's sign of life
 * (its idle timeout), and bounds how long another isolate still serves a session that a
 * DELETE ended elsewhere.
 */
export const VIEW_FRESH_MS = 2000;
/** Views kept per isolate; the least recently fetched goes first. */
const MAX_VIEWS = 10_000;

interface Cached {
  identity: Identity;
  view: SessionView;
  fetchedAt: number;
}

const views = new Map<string, Cached>();
const asking = new Map<string, Promise<SessionView | null>>();

/** The session's view for this identity, fresh enough to borrow from; null if it has no such session. */
export async function borrowView(
  session: DurableObjectStub<McpSession>,
  sessionId: string,
  identity: Identity,
): Promise<SessionView | null> {
  const cached = views.get(sessionId);
  if (cached && Date.now() - cached.fetchedAt < VIEW_FRESH_MS && sameIdentity(cached.identity, identity))
    return cached.view;
  const key = `${sessionId}\n${identity.agent}\n${identity.delegate ?? ""}\n${identity.virtualServer ?? ""}`;
  let pending = asking.get(key);
  if (!pending) {
    pending = ask(session, sessionId, identity).finally(() => asking.delete(key));
    asking.set(key, pending);
  }
  return pending;
}

async function ask(
  session: DurableObjectStub<McpSession>,
  sessionId: string,
  identity: Identity,
): Promise<SessionView | null> {
  const view = (await session.view(identity)) as SessionView | null;
  const cached = views.get(sessionId);
  if (!view) {
    if (cached && sameIdentity(cached.identity, identity)) views.delete(sessionId);
    return null;
  }
  views.delete(sessionId);
  if (views.size >= MAX_VIEWS) views.delete(views.keys().next().value!);
  views.set(sessionId, { identity, view, fetchedAt: Date.now() });
  return view;
}

/** The session ended here, or an upstream forgot one of its sessions: ask its object next time. */
export function forgetView(sessionId: string): void {
  views.delete(sessionId);
}
