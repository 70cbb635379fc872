// The Streamable HTTP endpoint. This file checks what the Worker can check alone
// (Accept, Content-Type, size, JSON-RPC shape), then tells the eras apart by the body:
// a request carrying the 2026-07-28 `_meta` envelope is answered statelessly
// (modern-endpoint.ts); anything else is a 2025-era session's business: POST carries
// JSON-RPC, GET opens the session's event stream (or resumes one with Last-Event-ID),
// DELETE ends the session, all handed to the session's Durable Object.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errors, GatewayError } from "../mcp/errors.js";
import {
  asRecord,
  classifyMessage,
  errorResponse,
  resultResponse,
  salvageId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import {
  errorHttpResponse,
  jsonResponse,
  rpcResponses,
  PROTOCOL_VERSION_HEADER,
  SESSION_HEADER,
  type ResponseFormat,
} from "./responses.js";
import type { AppEnv } from "./context.js";
import { callerOf, identityOf } from "../auth/principal.js";
import { toHex } from "../observe/hash.js";
import { classifyPost, META } from "../mcp/eras.js";
import { handleModern } from "./modern-endpoint.js";
import { nestsDeeperThan } from "../mcp/json-depth.js";
import { callInWorker, cancelInWorker, type Fallback } from "./session-calls.js";
import { forgetView } from "../session/session-views.js";

type Ctx = Context<AppEnv>;

const SESSION_ID_FORMAT = /^[0-9a-f]{64}$/;

export async function handlePost(c: Ctx): Promise<Response> {
  const format = responseFormat(c.req.header("accept"));
  if (!format) return errorHttpResponse(errors.notAcceptable("application/json or text/event-stream"));
  if (mediaType(c.req.header("content-type")) !== "application/json")
    return errorHttpResponse(errors.unsupportedMediaType());

  const body = await readBody(c);
  if (body instanceof GatewayError) return errorHttpResponse(body);
  const { maxJsonDepth, maxBatchSize } = c.get("snapshot").settings;
  if (nestsDeeperThan(body, maxJsonDepth))
    return errorHttpResponse(
      errors.limitExceeded("maxJsonDepth", maxJsonDepth, `the body nests deeper than ${maxJsonDepth} levels`),
    );
  let decoded: unknown;
  try {
    decoded = JSON.parse(body);
  } catch {
    return errorHttpResponse(errors.parse("the body is not valid JSON"));
  }

  const batch = Array.isArray(decoded);
  const entries: unknown[] = Array.isArray(decoded) ? decoded : [decoded];
  if (entries.length === 0) return errorHttpResponse(errors.invalidRequest("an empty batch"));
  if (entries.length > maxBatchSize)
    return errorHttpResponse(
      errors.limitExceeded("maxBatchSize", maxBatchSize, `the batch has ${entries.length} messages`),
    );
  const messages: JsonRpcMessage[] = [];
  const rejected: JsonRpcResponse[] = [];
  for (const entry of entries) {
    const message = classifyMessage(entry);
    if (message) messages.push(message);
    else
      rejected.push(errorResponse(salvageId(entry), errors.invalidRequest("not a JSON-RPC 2.0 message").toJsonRpc()));
  }
  if (!batch && rejected.length > 0) return jsonResponse(rejected[0], 400);
  const streamable = accepts(c.req.header("accept"), "text/event-stream");

  const single = !batch ? messages[0] : undefined;
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
    if (era.era === "rejected")
      return errorHttpResponse(era.error, single.kind === "request" ? single.message.id : null);
    if (era.era === "modern") return handleModern(c, single, era.envelope, format, streamable);
  }
  if (batch && entries.some(claimsModernEra)) {
    return errorHttpResponse(errors.invalidRequest("JSON-RPC batches are not allowed in protocol revision 2026-07-28"));
  }

  const initialize = messages.find(isInitialize);
  if (initialize) {
    if (batch) return errorHttpResponse(errors.invalidRequest("initialize must be sent alone, not in a batch"));
    const sessionId = newSessionId();
    return sessionStub(c, sessionId).initialize(
      sessionId,
      initialize.message,
      format,
      identityOf(c.get("principal")),
      callerOf(c.get("principal"), c.get("requestId")),
    );
  }

  const sessionId = c.req.header(SESSION_HEADER);
  // ping works at any time, even before a session exists: it needs no state to answer.
  const ping = !batch && sessionId === undefined ? messages.find(isPing) : undefined;
  if (ping) return rpcResponses([resultResponse(ping.message.id, {})], false, format);
  if (sessionId === undefined)
    return errorHttpResponse(
      messages.length > 0 ? errors.sessionRequired() : errors.invalidRequest("no valid message"),
    );
  if (!SESSION_ID_FORMAT.test(sessionId)) return errorHttpResponse(errors.sessionNotFound());
  if (messages.length === 0) return jsonResponse(rejected, 400);
  const session = sessionStub(c, sessionId);
  let fallback: Fallback | undefined;
  if (single?.kind === "request") {
    const answered = await callInWorker(c, session, sessionId, single.message, format, streamable);
    if (answered instanceof Response) return answered;
    fallback = answered;
  }
  for (const message of messages) {
    if (message.kind === "notification" && message.message.method === "notifications/cancelled")
      cancelInWorker(sessionId, asRecord(message.message.params)["requestId"]);
  }
  const answer = await session.post(
    identityOf(c.get("principal")),
    callerOf(c.get("principal"), c.get("requestId")),
    messages,
    batch,
    c.req.header(PROTOCOL_VERSION_HEADER) ?? null,
    format,
    streamable,
    fallback,
  );
  return rejected.length === 0 ? answer : withRejected(answer, rejected);
}

export async function handleGet(c: Ctx): Promise<Response> {
  if (!accepts(c.req.header("accept"), "text/event-stream"))
    return errorHttpResponse(errors.notAcceptable("text/event-stream"));
  const sessionId = c.req.header(SESSION_HEADER);
  if (sessionId === undefined) return errorHttpResponse(errors.sessionRequired());
  if (!SESSION_ID_FORMAT.test(sessionId)) return errorHttpResponse(errors.sessionNotFound());
  return sessionStub(c, sessionId).stream(
    identityOf(c.get("principal")),
    c.req.header("last-event-id") ?? null,
    callerOf(c.get("principal"), c.get("requestId")),
  );
}

export async function handleDelete(c: Ctx): Promise<Response> {
  const sessionId = c.req.header(SESSION_HEADER);
  if (sessionId === undefined) return errorHttpResponse(errors.sessionRequired());
  if (!SESSION_ID_FORMAT.test(sessionId)) return errorHttpResponse(errors.sessionNotFound());
  forgetView(sessionId);
  return sessionStub(c, sessionId).end(identityOf(c.get("principal")));
}

function claimsModernEra(entry: unknown): boolean {
  const meta = (entry as { params?: { _meta?: unknown } } | null)?.params?._meta;
  return typeof meta === "object" && meta !== null && Object.hasOwn(meta, META.protocolVersion);
}

function isPing(message: JsonRpcMessage): message is { kind: "request"; message: JsonRpcRequest } {
  return message.kind === "request" && message.message.method === "ping";
}

function isInitialize(message: JsonRpcMessage): message is { kind: "request"; message: JsonRpcRequest } {
  return message.kind === "request" && message.message.method === "initialize";
}

function sessionStub(c: Ctx, sessionId: string) {
  return c.env.MCP_SESSION.get(c.env.MCP_SESSION.idFromName(sessionId));
}

/** 256 random bits, hex: unguessable, and cheap to reject when malformed. */
function newSessionId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

async function readBody(c: Ctx): Promise<string | GatewayError> {
  const limit = c.get("snapshot").settings.maxBodyBytes;
  let tooLarge = false;
  const guard = bodyLimit({
    maxSize: limit,
    onError: () => {
      tooLarge = true;
      return new Response(null, { status: 413 });
    },
  });
  let bytes: ArrayBuffer | undefined;
  await guard(c, async () => {
    bytes = await c.req.arrayBuffer();
  });
  if (tooLarge || bytes === undefined) return errors.payloadTooLarge(limit);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return errors.parse("the body is not valid UTF-8");
  }
}

/** JSON travels as UTF-8 (RFC 8259); a body that is not is refused, never silently repaired. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A batch with some malformed entries: the session's answers plus an error for each. */
async function withRejected(answer: Response, rejected: JsonRpcResponse[]): Promise<Response> {
  if (answer.status === 202) return jsonResponse(rejected, 200);
  if (!answer.headers.get("content-type")?.startsWith("application/json")) return answer;
  const body: unknown = await answer.json();
  return jsonResponse(Array.isArray(body) ? [...body, ...rejected] : body, answer.status);
}

function responseFormat(accept: string | undefined): ResponseFormat | undefined {
  if (accepts(accept, "application/json")) return "json";
  if (accepts(accept, "text/event-stream")) return "sse";
  return undefined;
}

/** Whether an Accept header allows a media type; no header accepts anything. */
export function accepts(accept: string | undefined, type: string): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  const [major] = type.split("/");
  return accept.split(",").some((range) => {
    const [value = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    if (params.some((p) => p.replace(/\s/g, "") === "q=0")) return false;
    return value === type || value === "*/*" || value === `${major}/*`;
  });
}

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}
