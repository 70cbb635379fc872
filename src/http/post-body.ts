// Reading a POST to the MCP endpoint as far as the Worker can judge it alone: Accept and
// Content-Type, the body's size, time to arrive, encoding, nesting and JSON, and each
// message's JSON-RPC shape. A body that arrives too slowly or breaks off is the client's
// doing: logged as such (info), answered 408 or 400. What the messages mean is the
// endpoint's business (mcp-endpoint.ts).
import type { Context } from "hono";
import { errors } from "../mcp/errors.js";
import { META } from "../mcp/eras.js";
import { nestsDeeperThan } from "../mcp/json-depth.js";
import {
  classifyMessage,
  errorResponse,
  salvageId,
  type JsonRpcMessage,
  type JsonRpcResponse,
} from "../mcp/jsonrpc.js";
import { log } from "../observe/log.js";
import type { ResponseFormat } from "../wire/responses.js";
import type { AppEnv } from "./context.js";
import { readBody, type BodyRead } from "./read-body.js";

type Ctx = Context<AppEnv>;

export interface Post {
  /** The well-formed messages, in order. */
  messages: JsonRpcMessage[];
  /** An error for each malformed entry of a batch. */
  rejected: JsonRpcResponse[];
  batch: boolean;
  format: ResponseFormat;
  /** The client's Accept allows text/event-stream. */
  streamable: boolean;
  /** Some entry carries the 2026-07-28 envelope. */
  claimsModernEra: boolean;
}

/** The POST's messages; throws the gateway's error for a body it cannot take. */
export async function readPost(c: Ctx): Promise<Post> {
  const format = responseFormat(c.req.header("accept"));
  if (!format) throw errors.notAcceptable("application/json or text/event-stream");
  if (mediaType(c.req.header("content-type")) !== "application/json") throw errors.unsupportedMediaType();
  const decoded = await readJson(c);

  const { maxBatchSize } = c.get("snapshot").settings;
  const batch = Array.isArray(decoded);
  const entries: unknown[] = Array.isArray(decoded) ? decoded : [decoded];
  if (entries.length === 0) throw errors.invalidRequest("an empty batch");
  if (entries.length > maxBatchSize)
    throw errors.limitExceeded("maxBatchSize", maxBatchSize, `the batch has ${entries.length} messages`);
  const messages: JsonRpcMessage[] = [];
  const rejected: JsonRpcResponse[] = [];
  for (const entry of entries) {
    const message = classifyMessage(entry);
    if (message) messages.push(message);
    else if (!batch) throw notJsonRpc().about(salvageId(entry));
    else rejected.push(errorResponse(salvageId(entry), notJsonRpc().toJsonRpc()));
  }
  const streamable = accepts(c.req.header("accept"), "text/event-stream");
  return { messages, rejected, batch, format, streamable, claimsModernEra: entries.some(claimsModernEra) };
}

const notJsonRpc = () => errors.invalidRequest("not a JSON-RPC 2.0 message");

async function readJson(c: Ctx): Promise<unknown> {
  const body = await readText(c);
  const { maxJsonDepth } = c.get("snapshot").settings;
  if (nestsDeeperThan(body, maxJsonDepth))
    throw errors.limitExceeded("maxJsonDepth", maxJsonDepth, `the body nests deeper than ${maxJsonDepth} levels`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw errors.parse("the body is not valid JSON");
  }
}

async function readText(c: Ctx): Promise<string> {
  const { maxBodyBytes, bodyReadTimeoutMs } = c.get("snapshot").settings;
  const body = await readBody(c.req.raw, maxBodyBytes, bodyReadTimeoutMs);
  if (body.kind === "too-large") throw errors.payloadTooLarge(maxBodyBytes);
  if (body.kind !== "read") {
    logClientsDoing(c, body);
    throw body.kind === "too-slow"
      ? errors.limitExceeded(
          "bodyReadTimeoutMs",
          bodyReadTimeoutMs,
          `the body did not arrive within ${bodyReadTimeoutMs} ms`,
          408,
        )
      : errors.invalidRequest("the body broke off before it was complete");
  }
  try {
    return strictUtf8.decode(body.bytes);
  } catch {
    throw errors.parse("the body is not valid UTF-8");
  }
}

/** A body that came too slowly or broke off: the client's doing, not a fault of the gateway's. */
function logClientsDoing(c: Ctx, body: Extract<BodyRead, { kind: "too-slow" | "cut-short" }>): void {
  log("info", "request.body_incomplete", {
    requestId: c.get("requestId"),
    outcome: body.kind,
    bytesRead: body.bytesRead,
    ...(body.kind === "cut-short" ? { reason: body.reason } : {}),
  });
}

/** JSON travels as UTF-8 (RFC 8259); a body that is not is refused, never silently repaired. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function claimsModernEra(entry: unknown): boolean {
  const meta = (entry as { params?: { _meta?: unknown } } | null)?.params?._meta;
  return typeof meta === "object" && meta !== null && Object.hasOwn(meta, META.protocolVersion);
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
