// The gateway's whole HTTP answers to clients, whether the Worker or a session object
// answers: JSON bodies, a JSON-RPC error with its own status and headers, JSON-RPC
// answers as JSON or as a one-event stream, 202 when nothing needs saying. Streams that
// stay open are sse.ts's; answers decided late are reply.ts's.
import { errorResponse, type JsonRpcResponse, type RequestId } from "../mcp/jsonrpc.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { jsonText } from "../mcp/json-text.js";

export const SESSION_HEADER = "mcp-session-id";
export const PROTOCOL_VERSION_HEADER = "mcp-protocol-version";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(jsonText(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A JSON-RPC error as a whole HTTP answer, with the error's own status and headers. */
export function errorHttpResponse(error: GatewayError, id: RequestId | null = error.requestId): Response {
  return jsonResponse(errorResponse(id, error.toJsonRpc()), error.httpStatus, error.headers);
}

/** Notifications and responses from the client: accepted, nothing to say. */
export function acceptedResponse(headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 202, headers });
}

/** How a POST is answered: JSON unless the client accepts only an event stream. */
export type ResponseFormat = "json" | "sse";

export function rpcResponses(
  responses: JsonRpcResponse[],
  batch: boolean,
  format: ResponseFormat,
  headers: Record<string, string> = {},
): Response {
  if (responses.length === 0) return acceptedResponse(headers);
  const body = batch ? responses : responses[0];
  if (format === "json") return jsonResponse(body, 200, headers);
  return new Response(`id: 1\ndata: ${jsonText(body)}\n\n`, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers },
  });
}

/** Turns anything thrown into a clean answer; unexpected errors are logged by the caller. */
export function toGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : errors.internal();
}
