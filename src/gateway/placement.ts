// Where a request runs: the one decision about Worker, McpSession object and
// HeldUpstreamSession object, pure, from facts gathered beforehand. Two questions, each
// answered once:
//
// - placeRequest: may the Worker answer this 2025-session request at all, or does it
//   belong to the session object from the start (it changes the session, asks for
//   progress, or is not a call or list)?
// - placeCall: once the pipeline knows which upstream a request goes to, who sends it:
//   this invocation on its own link, the Worker on an upstream session it borrows from
//   its owner (who takes over when it cannot), or the owner itself.
//
// The rules follow from what only an object can do: only a session object can keep a
// 2025 client's stream (progress, questions, Last-Event-ID), and only a held-session
// object can keep a call open across a 2026-07-28 client's input_required round trip.
import type { ClientMethod } from "../mcp/methods.js";
import type { Era } from "../mcp/versions.js";

/** What placement needs to know of an upstream, as the invocation sees it. */
export interface UpstreamFacts {
  /** The upstream's era; undefined when nothing is known of it here. */
  era: Era | undefined;
  /** A session of it can be borrowed from the object that owns it. */
  borrowable: boolean;
}

/** Where an invocation runs. */
export type Location = "worker" | "session-object" | "held-object";
/** The objects that own upstream sessions the Worker borrows. */
export type Owner = "session-object" | "held-object";

export type CallPlacement =
  /** This invocation sends it, on its own link. */
  | { run: "here" }
  /** The Worker sends it on the owner's upstream session; the owner takes over when that cannot answer. */
  | { run: "borrowed"; owner: Owner }
  /** The owner sends it. */
  | { run: "owner"; owner: Owner };

export interface RequestFacts {
  /** The registry entry of the method; undefined for methods the gateway does not know. */
  method: ClientMethod | undefined;
  batch: boolean;
  /** The request carries a progress token. */
  progress: boolean;
  /** The MCP-Protocol-Version header names a revision the session could be speaking. */
  versionUnderstood: boolean;
}

/** Whether the Worker answers a 2025 session's request, or its session object does. */
export function placeRequest(facts: RequestFacts): "worker" | "session-object" {
  if (facts.batch || !facts.method?.answeredInWorker) return "session-object";
  if (facts.progress || !facts.versionUnderstood) return "session-object";
  return "worker";
}

export interface CallFacts {
  at: Location;
  client: {
    era: Era;
    /** The client declared something an upstream could ask it (sampling, elicitation, roots). */
    canBeAsked: boolean;
    /** The request carries a progress token. */
    progress: boolean;
  };
  /** The exchange may involve the client: a call may be asked questions or answer input_required. */
  involvesClient: boolean;
  /** The request resumes a call a held-session object suspended (its requestState). */
  resumesHeldCall: boolean;
  upstream: UpstreamFacts;
}

export function placeCall(facts: CallFacts): CallPlacement {
  if (facts.at !== "worker") return { run: "here" };
  return facts.client.era === "legacy" ? placeLegacyCall(facts) : placeModernCall(facts);
}

/**
 * A 2025 session's request in the Worker. A current-era upstream needs no session, but
 * its input_required can only be bridged where the client can be asked (the object).
 */
function placeLegacyCall({ client, involvesClient, upstream }: CallFacts): CallPlacement {
  const owner = "session-object";
  if (upstream.era === "modern") return involvesClient ? { run: "owner", owner } : { run: "here" };
  if (client.progress && involvesClient) return { run: "owner", owner };
  return upstream.borrowable ? { run: "borrowed", owner } : { run: "owner", owner };
}

/**
 * A 2026-07-28 request in the Worker. A legacy upstream's session is the held object's:
 * borrowed when nothing can need the object (no question can be asked of this client),
 * left to the object when a question could suspend the call, or when the call resumes one.
 */
function placeModernCall({ client, involvesClient, resumesHeldCall, upstream }: CallFacts): CallPlacement {
  const owner = "held-object";
  if (upstream.era !== "legacy") return { run: "here" };
  if (resumesHeldCall) return { run: "owner", owner };
  if (client.canBeAsked && involvesClient) return { run: "owner", owner };
  return upstream.borrowable ? { run: "borrowed", owner } : { run: "owner", owner };
}
