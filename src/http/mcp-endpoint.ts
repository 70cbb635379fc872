// The Streamable HTTP endpoint. This file checks what the Worker can check alone
// (Accept, Content-Type, size, JSON-RPC shape), then tells the eras apart by the body:
// a request carrying the 2026-07-28 `_meta` envelope is answered statelessly
// (modern-endpoint.ts); anything else is a 2025-era session's business: POST carries
// JSON-RPC (answered in the Worker where it can, session/worker-legacy.ts), GET opens the
// session's event stream (or resumes one with Last-Event-ID), DELETE ends the session.
// A session id the gateway did not issue is refused here, before any session object.
import type { Context } from "hono";
import { errors, GatewayError } from "../mcp/errors.js";
import { classifyPost } from "../mcp/eras.js";
import {
  errorResponse,
  resultResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import { identityOf } from "../auth/principal.js";
import { callerFor } from "./caller.js";
import { countUnrouted } from "../gateway/call.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";
import { sessionIdKey } from "../session/session-id-key.js";
import { isIssuedSessionId, issueSessionId } from "../session/session-ids.js";
import { forgetSessionView, postToSession, sessionStub } from "../session/worker-legacy.js";
import {
  jsonResponse,
  rpcResponses,
  PROTOCOL_VERSION_HEADER,
  SESSION_HEADER,
  type ResponseFormat,
} from "../wire/responses.js";
import type { AppEnv } from "./context.js";
import { handleModern } from "./modern-endpoint.js";
import { accepts, readPost, type Post } from "./post-body.js";

type Ctx = Context<AppEnv>;

export async function handlePost(c: Ctx): Promise<Response> {
  const post = await readPost(c);
  const single = !post.batch ? post.messages[0] : undefined;
  if (single && single.kind !== "response") {
    const era = classifyPost(
      single.message,
      {
        protocolVersion: c.req.header(PROTOCOL_VERSION_HEADER),
        method: c.req.header("mcp-method"),
        name: c.req.header("mcp-name"),
      },
      single.kind === "request",
    );
    if (era.era === "rejected") throw era.error.about(single.kind === "request" ? single.message.id : null);
    if (era.era === "modern") return handleModern(c, single, era.envelope, post.format, post.streamable);
  }
  if (post.batch && post.claimsModernEra) {
    throw errors.invalidRequest("JSON-RPC batches are not allowed in protocol revision 2026-07-28");
  }
  return handleLegacyPost(c, post);
}

/** A 2025-era POST: initialize starts a session; anything else belongs to one (ping excepted). */
async function handleLegacyPost(c: Ctx, post: Post): Promise<Response> {
  const { messages, batch, format } = post;
  const initialize = messages.find(isInitialize);
  if (initialize) {
    if (batch) throw errors.invalidRequest("initialize must be sent alone, not in a batch");
    const sessionId = await issueSessionId(await sessionIdKey(c.env));
    return sessionStub(c.env, sessionId).initialize(
      sessionId,
      initialize.message,
      format,
      identityOf(c.get("principal")),
      await callerFor(c, sessionId),
    );
  }
  const presented = c.req.header(SESSION_HEADER);
  // ping works at any time, even before a session exists: it needs no state to answer.
  const ping = !batch && presented === undefined ? messages.find(isPing) : undefined;
  if (ping) return answerPing(c, ping.message, format);
  if (presented === undefined && messages.length === 0) throw errors.invalidRequest("no valid message");
  const sessionId = await issuedSession(c);
  if (messages.length === 0) return jsonResponse(post.rejected, 400);
  const answer = await postToSession({
    env: c.env,
    snapshot: c.get("snapshot"),
    identity: identityOf(c.get("principal")),
    caller: await callerFor(c, sessionId),
    sessionId,
    messages,
    batch,
    headerVersion: c.req.header(PROTOCOL_VERSION_HEADER),
    format,
    streamable: post.streamable,
    background: (work) => c.executionCtx.waitUntil(work),
  });
  return post.rejected.length === 0 ? answer : withRejected(answer, post.rejected);
}

export async function handleGet(c: Ctx): Promise<Response> {
  if (!accepts(c.req.header("accept"), "text/event-stream")) throw errors.notAcceptable("text/event-stream");
  const sessionId = await issuedSession(c);
  return sessionStub(c.env, sessionId).stream(identityOf(c.get("principal")), c.req.header("last-event-id") ?? null);
}

export async function handleDelete(c: Ctx): Promise<Response> {
  const sessionId = await issuedSession(c);
  const ended = await sessionStub(c.env, sessionId).end(identityOf(c.get("principal")));
  // Only the session's owner ends it: only then is it forgotten here.
  if (ended.status === 204) forgetSessionView(sessionId);
  return ended;
}

/** A ping without a session: counted against the agent's request limit like any request, then answered. */
async function answerPing(c: Ctx, ping: JsonRpcRequest, format: ResponseFormat): Promise<Response> {
  const counting = {
    snapshot: c.get("snapshot"),
    identity: identityOf(c.get("principal")),
    rateGate: rateGateFor(c.env.RATE_LIMITER),
  };
  try {
    await countUnrouted(ping, counting);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.code !== "RATE_LIMITED") throw error;
    return rpcResponses([errorResponse(ping.id, error.toJsonRpc())], false, format);
  }
  return rpcResponses([resultResponse(ping.id, {})], false, format);
}

function isPing(message: JsonRpcMessage): message is { kind: "request"; message: JsonRpcRequest } {
  return message.kind === "request" && message.message.method === "ping";
}

function isInitialize(message: JsonRpcMessage): message is { kind: "request"; message: JsonRpcRequest } {
  return message.kind === "request" && message.message.method === "initialize";
}

/**
 * The request's session id, when the gateway issued it. Any other id gets 404 here, so a
 * forged one never reaches a session object (and never makes one store anything).
 */
async function issuedSession(c: Ctx): Promise<string> {
  const sessionId = c.req.header(SESSION_HEADER);
  if (sessionId === undefined) throw errors.sessionRequired();
  if (!(await isIssuedSessionId(await sessionIdKey(c.env), sessionId))) throw errors.sessionNotFound();
  return sessionId;
}

/** A batch with some malformed entries: the session's answers plus an error for each. */
async function withRejected(answer: Response, rejected: JsonRpcResponse[]): Promise<Response> {
  if (answer.status === 202) return jsonResponse(rejected, 200);
  if (!answer.headers.get("content-type")?.startsWith("application/json")) return answer;
  const body: unknown = await answer.json();
  return jsonResponse(Array.isArray(body) ? [...body, ...rejected] : body, answer.status);
}
