// Who is asking: the agent an API key, an OAuth access token or settings.anonymousAgent
// authenticates as, the sub-agent it narrowed itself to, and the endpoint it came through.
// A session is bound to this identity: the same session id from anyone else is an unknown
// session.

export interface Identity {
  agent: string;
  /** The sub-agent named by X-MCP-Agent, when the agent narrowed itself. */
  delegate?: string;
  /** The virtual server of `/mcp/<name>`; absent on `/mcp`. */
  virtualServer?: string;
}

export interface Principal extends Identity {
  /** First 8 hex digits of the key's hash, for audit lines; absent for the anonymous agent. */
  keyId?: string;
  keyLabel?: string;
  /** For an OAuth access token: its issuer and subject (never the token), for audit lines. */
  oauthIssuer?: string;
  oauthSubject?: string;
}

/** The agent whose rules are the innermost layer: the sub-agent if narrowed. */
export function effectiveAgent(identity: Identity): string {
  return identity.delegate ?? identity.agent;
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.agent === b.agent && a.delegate === b.delegate && a.virtualServer === b.virtualServer;
}

/**
 * What audit lines say about the request beyond the identity: which request, which key;
 * and, only when settings.tracing is set, what its spans need of the HTTP request (left out
 * of audit lines).
 */
export interface Caller {
  requestId: string;
  keyId?: string;
  keyLabel?: string;
  oauthIssuer?: string;
  oauthSubject?: string;
  trace?: TraceInput;
}

/** What the spans of a request take from its HTTP request. */
export interface TraceInput {
  /** The client's `traceparent` header, unchecked (spans read it strictly). */
  parent?: string;
  /** The client's session, as a digest of its id (never the id itself). */
  session?: string;
  /** The MCP-Protocol-Version header. */
  protocolVersion?: string;
}

export function callerOf(principal: Principal, requestId: string, trace?: TraceInput): Caller {
  return {
    requestId,
    ...(trace !== undefined ? { trace } : {}),
    ...(principal.keyId !== undefined ? { keyId: principal.keyId } : {}),
    ...(principal.keyLabel !== undefined ? { keyLabel: principal.keyLabel } : {}),
    ...(principal.oauthIssuer !== undefined ? { oauthIssuer: principal.oauthIssuer } : {}),
    ...(principal.oauthSubject !== undefined ? { oauthSubject: principal.oauthSubject } : {}),
  };
}

export function identityOf(principal: Principal): Identity {
  return {
    agent: principal.agent,
    ...(principal.delegate !== undefined ? { delegate: principal.delegate } : {}),
    ...(principal.virtualServer !== undefined ? { virtualServer: principal.virtualServer } : {}),
  };
}
