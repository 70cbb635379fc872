// The fast path of a 2025-era session: a plain `tools/call`, or a list, answered in the
// Worker, over the upstream sessions its McpSession object opened, without the hop to the
// object.
// The object stays the session's owner. The Worker takes the call only when nothing in
// it needs the object: no progress token, an upstream session to borrow. When the
// upstream's event stream brings something before the answer (a question, progress, a
// log message), the stream is handed to the object, replayed from its start; when the
// upstream forgot the session, or there is none yet, the object answers the call from
// the start.
//
// A client's `notifications/cancelled` aborts a call in flight in this isolate; the
// object hears of it too, for calls it answers.
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { callerOf, identityOf } from "../auth/principal.js";
import { isSupportedLegacyVersion } from "../mcp/versions.js";
import { asRecord, type JsonRpcRequest, type RequestId } from "../mcp/jsonrpc.js";
import { policyFor } from "../gateway/access.js";
import { route } from "../gateway/router.js";
import { Limiter } from "../upstream/limiter.js";
import { UpstreamLink } from "../upstream/upstream-link.js";
import { HandOff, NotHere } from "../upstream/elsewhere.js";
import { borrowView, forgetView } from "../session/session-views.js";
import type { McpSession } from "../session/mcp-session.js";
import { SSE_HEADERS } from "./sse.js";
import { rpcResponses, type ResponseFormat } from "./responses.js";
import { observerFor } from "../observe/observer.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";

type Ctx = Context<AppEnv>;

/** What the session object must know when it answers a call the Worker started. */
export interface Fallback {
  /** The Worker counted the call against the rate limits. */
  counted: boolean;
  /** An upstream session the upstream forgot: the object re-opens it instead of trying it again. */
  forgotten?: { server: string; sessionId: string };
}

/**
 * What the Worker answers: calls, and the merged lists (from the isolate's catalog, or
 * fetched on borrowed sessions), which never need the client's stream.
 */
const ANSWERED_HERE = new Set([
  "tools/call",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
]);
/** Only a call is handed over; lists are read here. */
const handOff = (method: string) => method === "tools/call";

/** Calls in flight in this isolate, by session and JSON-encoded request id. */
const inFlight = new Map<string, AbortController>();

/**
 * Answers the request here when it can: a Response; otherwise undefined (the Worker did
 * nothing) or what the session object must know to answer it.
 */
export async function callInWorker(
  c: Ctx,
  session: DurableObjectStub<McpSession>,
  sessionId: string,
  request: JsonRpcRequest,
  format: ResponseFormat,
  streamable: boolean,
): Promise<Response | Fallback | undefined> {
  if (!ANSWERED_HERE.has(request.method) || wantsProgress(request)) return undefined;
  const headerVersion = c.req.header("mcp-protocol-version");
  if (headerVersion !== undefined && !isSupportedLegacyVersion(headerVersion)) return undefined;
  const principal = c.get("principal");
  const identity = identityOf(principal);
  const view = await borrowView(session, sessionId, identity);
  if (!view) return undefined;

  const snapshot = c.get("snapshot");
  const policy = policyFor(snapshot, identity);
  const limiter = new Limiter();
  const background = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
  const borrowed = { handOff, onExpired: () => forgetView(sessionId) };
  const links = [...snapshot.servers.values()]
    .filter((server) => policy.decideServer(server.name).allowed)
    .map(
      (server) =>
        new UpstreamLink(server, { state: view.upstreams.get(server.name), save: () => undefined }, limiter, {
          background,
          borrowed,
        }),
    );
  const key = `${sessionId}\n${JSON.stringify(request.id)}`;
  const cancel = new AbortController();
  inFlight.set(key, cancel);
  const caller = callerOf(principal, c.get("requestId"));
  try {
    const response = await route(request, {
      snapshot,
      links,
      policy,
      identity,
      caller,
      observer: observerFor(c.env, background),
      rateGate: rateGateFor(c.env.RATE_LIMITER),
      // A JSON answer carries nothing for the client but itself; streams go to the object.
      channel: { era: "legacy", capabilities: {}, notify: () => false, signal: cancel.signal },
    });
    if (cancel.signal.aborted) return cancelled(format, streamable);
    return rpcResponses([response], false, format);
  } catch (error) {
    if (error instanceof HandOff) {
      // The stream comes from this request's fetch: keep it flowing if the client drops
      // its connection, so that it can resume the call's events (as far as waitUntil allows).
      c.executionCtx.waitUntil(error.drained);
      const { server, upstreamId, state, body, item } = error;
      try {
        return await session.adopt(
          identity,
          caller,
          request,
          { server, upstreamId, state, body, item },
          format,
          streamable,
        );
      } catch (failure) {
        await body.cancel().catch(() => undefined);
        throw failure;
      }
    }
    if (error instanceof NotHere) return { counted: true, ...(error.forgotten ? { forgotten: error.forgotten } : {}) };
    throw error;
  } finally {
    inFlight.delete(key);
  }
}

/** The client cancelled a request: abort it if this isolate is answering it. */
export function cancelInWorker(sessionId: string, requestId: unknown): void {
  inFlight.get(`${sessionId}\n${JSON.stringify(requestId as RequestId)}`)?.abort();
}

/** A cancelled request gets no answer, as from the session object. */
function cancelled(format: ResponseFormat, streamable: boolean): Response {
  if (streamable) return new Response(null, { status: 200, headers: SSE_HEADERS });
  return rpcResponses([], false, format);
}

function wantsProgress(request: JsonRpcRequest): boolean {
  return asRecord(request.params?.["_meta"])["progressToken"] !== undefined;
}
