// The Worker's side of a 2025-era session: a POST is answered here when placement allows
// it (a plain tools/call or a list), over the upstream sessions the session's McpSession
// object opened and lends, without the hop to the object. The object stays the session's
// owner: it answers everything else, takes over a request the Worker could not finish
// (no session to borrow, the upstream forgot it: from the start; an answer that streams
// something for the client first: the rest of that stream), and receives what the client
// POSTs besides (notifications, its answers to questions).
//
// A client's `notifications/cancelled` aborts a call in flight in this isolate (only a
// call of the same session and identity); the object hears of it too, for calls it answers.
// One that reaches another isolate reaches the object only: a call that outlives
// WATCH_CANCEL_AFTER_MS asks the object to be told (session-cancels.ts), so its
// cancellation reaches the upstream wherever it landed.
import type { Caller, Identity } from "../auth/principal.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { asRecord, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from "../mcp/jsonrpc.js";
import { clientMethod } from "../mcp/methods.js";
import { isSupportedLegacyVersion } from "../mcp/versions.js";
import { openChannel } from "../gateway/client-channel.js";
import { forgetListScope } from "../gateway/catalog.js";
import { buildContext, NO_SESSION } from "../gateway/context.js";
import { placeRequest } from "../gateway/placement.js";
import { route } from "../gateway/router.js";
import type { HandOver } from "../gateway/upstreams.js";
import { observerFor } from "../observe/observer.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";
import { rpcResponses, type ResponseFormat } from "../wire/responses.js";
import { SSE_HEADERS } from "../wire/sse.js";
import { BorrowedSessions } from "./borrowed-sessions.js";
import { BorrowedUpstream } from "./borrowed-upstream.js";
import type { McpSession } from "./mcp-session.js";
import type { HandedCall, SessionView } from "./protocol.js";
import { pinStoreFor } from "../observe/tool-pins.js";
import { stateSealFor } from "./state-seal.js";

/** A POST to a 2025 session, as the edge checked it. */
export interface SessionPost {
  env: Env;
  snapshot: ConfigSnapshot;
  identity: Identity;
  caller: Caller;
  sessionId: string;
  messages: JsonRpcMessage[];
  batch: boolean;
  headerVersion: string | undefined;
  format: ResponseFormat;
  streamable: boolean;
  /** The invocation's waitUntil. */
  background: (work: Promise<unknown>) => void;
}

const views = new BorrowedSessions<SessionView>();
/** Calls in flight in this isolate, by session, identity and JSON-encoded request id. */
const inFlight = new Map<string, AbortController>();
/** A call still running after this asks its session object to hear of its cancellation. */
export const WATCH_CANCEL_AFTER_MS = 1000;

export async function postToSession(post: SessionPost): Promise<Response> {
  const session = sessionStub(post.env, post.sessionId);
  const single = !post.batch && post.messages[0]?.kind === "request" ? post.messages[0].message : undefined;
  const handOver = single ? await answerHere(post, session, single) : undefined;
  if (handOver instanceof Response) return handOver;
  for (const message of post.messages) {
    if (message.kind === "notification" && message.message.method === "notifications/cancelled")
      inFlight.get(inFlightKey(post, asRecord(message.message.params)["requestId"] as RequestId))?.abort();
  }
  return session.post(
    post.identity,
    post.caller,
    post.messages,
    post.batch,
    post.headerVersion ?? null,
    post.format,
    post.streamable,
    handOver,
  );
}

/** The session ended here: its upstream sessions are no longer lent to this isolate, nor its lists kept. */
export function forgetSessionView(sessionId: string): void {
  views.forget(sessionId);
  forgetListScope(`session:${sessionId}`);
}

export function sessionStub(env: Env, sessionId: string): DurableObjectStub<McpSession> {
  return env.MCP_SESSION.get(env.MCP_SESSION.idFromName(sessionId));
}

/**
 * Answers the request here when placement allows: a Response; otherwise undefined (the
 * Worker did nothing) or what the session object must know to answer it.
 */
async function answerHere(
  post: SessionPost,
  session: DurableObjectStub<McpSession>,
  request: JsonRpcRequest,
): Promise<Response | HandOver | undefined> {
  const placed = placeRequest({
    method: clientMethod(request.method),
    batch: post.batch,
    progress: asRecord(request.params?.["_meta"])["progressToken"] !== undefined,
    versionUnderstood: post.headerVersion === undefined || isSupportedLegacyVersion(post.headerVersion),
  });
  if (placed !== "worker") return undefined;
  const view = await views.borrow(
    post.sessionId,
    borrowerOf(post.identity),
    async () => (await session.view(post.identity)) as SessionView | null,
  );
  // No such session for this identity: the object says so.
  if (!view) return undefined;

  const key = inFlightKey(post, request.id);
  const cancel = new AbortController();
  inFlight.set(key, cancel);
  const watch = watchCancel(post, session, request.id, cancel);
  try {
    const ctx = buildContext({
      snapshot: post.snapshot,
      identity: post.identity,
      caller: post.caller,
      at: "worker",
      client: view.client,
      observer: observerFor(post.env, post.background),
      rateGate: rateGateFor(post.env.RATE_LIMITER),
      pins: pinStoreFor(post.env),
      seal: stateSealFor(post.env),
      background: post.background,
      // A task this call creates is noted where the session's tasks are known: its object.
      session: {
        ...NO_SESSION,
        rememberTask: (server, taskId, tool) => session.rememberTask(post.identity, server, taskId, tool),
      },
      reach: (server, limiter) =>
        new BorrowedUpstream(server, view.upstreams.get(server.name), limiter, {
          background: post.background,
          onForgotten: () => views.forget(post.sessionId),
          handOverStreams: true,
          sessionOwner: `session:${post.sessionId}`,
        }),
    });
    // A JSON answer carries nothing for the client but itself; streams go to the object.
    const channel = openChannel(view.client, { notify: () => false, signal: cancel.signal });
    const routed = await route(request, ctx, { channel });
    if (routed.kind === "handed-over") return handOver(post, session, request, routed.handOver);
    if (cancel.signal.aborted) return cancelled(post);
    return rpcResponses([routed.response], false, post.format);
  } finally {
    watch.stop();
    inFlight.delete(key);
  }
}

/**
 * After WATCH_CANCEL_AFTER_MS, asks the session object to say when the client cancels this
 * call (its notification may reach another isolate, but always the object); aborting it
 * here tells the upstream. Short calls only pay for a timer.
 */
function watchCancel(
  post: SessionPost,
  session: DurableObjectStub<McpSession>,
  requestId: RequestId,
  cancel: AbortController,
): { stop(): void } {
  let watching = false;
  const timer = setTimeout(() => {
    watching = true;
    const heard = session.watchCancel(post.identity, requestId).then((cancelled) => cancelled && cancel.abort());
    post.background(heard.catch(() => undefined));
  }, WATCH_CANCEL_AFTER_MS);
  return {
    stop() {
      clearTimeout(timer);
      if (watching) post.background(session.releaseCancel(post.identity, requestId).catch(() => undefined));
    },
  };
}

/** A request the object takes over: the rest of an answer under way, or the request from the start. */
async function handOver(
  post: SessionPost,
  session: DurableObjectStub<McpSession>,
  request: JsonRpcRequest,
  handOver: HandOver,
): Promise<Response | HandOver> {
  const stream = handOver.stream;
  if (!stream) return handOver;
  const { drained: _drained, ...handed } = stream;
  const call: HandedCall = {
    stream: handed,
    ...(handOver.subject ? { subject: handOver.subject } : {}),
    sent: handOver.sent,
    ...(handOver.traceparent ? { traceparent: handOver.traceparent } : {}),
  };
  try {
    return await session.adopt(post.identity, post.caller, request, call, post.format, post.streamable);
  } catch (failure) {
    await stream.body.cancel().catch(() => undefined);
    throw failure;
  }
}

/** A cancelled request gets no answer, as from the session object. */
function cancelled(post: SessionPost): Response {
  if (post.streamable) return new Response(null, { status: 200, headers: SSE_HEADERS });
  return rpcResponses([], false, post.format);
}

function borrowerOf(identity: Identity): string {
  return JSON.stringify([identity.agent, identity.delegate ?? null, identity.virtualServer ?? null]);
}

function inFlightKey(post: SessionPost, requestId: RequestId): string {
  return `${post.sessionId}\n${borrowerOf(post.identity)}\n${JSON.stringify(requestId)}`;
}
