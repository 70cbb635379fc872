// JSON-RPC 2.0 message shapes and the one parser that turns a request body into them.
// It knows nothing of MCP methods or HTTP; the edge decides what to do with the result.
import { z } from "zod";

export const JSONRPC_VERSION = "2.0";

export const RequestIdSchema = z.union([z.string(), z.number().int()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

const ParamsSchema = z.record(z.string(), z.unknown());

export const JsonRpcRequestSchema = z.object({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: RequestIdSchema,
  method: z.string().min(1),
  params: ParamsSchema.optional(),
});
export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;

export const JsonRpcNotificationSchema = z.object({
  jsonrpc: z.literal(JSONRPC_VERSION),
  method: z.string().min(1),
  params: ParamsSchema.optional(),
});
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

export const JsonRpcErrorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObjectSchema>;

export const JsonRpcResultResponseSchema = z.object({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: RequestIdSchema,
  result: z.record(z.string(), z.unknown()),
});
export const JsonRpcErrorResponseSchema = z.object({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: RequestIdSchema.nullable(),
  error: JsonRpcErrorObjectSchema,
});
export type JsonRpcResultResponse = z.infer<typeof JsonRpcResultResponseSchema>;
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;
export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;

export type JsonRpcMessage =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcResponse };

// Strict variants built once: deriving them per message cost more than the rest of a call.
const StrictRequest = JsonRpcRequestSchema.strict();
const StrictNotification = JsonRpcNotificationSchema.strict();
const StrictResult = JsonRpcResultResponseSchema.strict();
const StrictError = JsonRpcErrorResponseSchema.strict();

/** Classifies one decoded JSON value; `undefined` when it is no valid JSON-RPC message. */
export function classifyMessage(value: unknown): JsonRpcMessage | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const has = (key: string) => Object.hasOwn(value, key);
  if (has("method")) {
    if (has("id")) {
      const parsed = StrictRequest.safeParse(value);
      return parsed.success ? { kind: "request", message: parsed.data } : undefined;
    }
    const parsed = StrictNotification.safeParse(value);
    return parsed.success ? { kind: "notification", message: parsed.data } : undefined;
  }
  if (has("result")) {
    const parsed = StrictResult.safeParse(value);
    return parsed.success ? { kind: "response", message: parsed.data } : undefined;
  }
  if (has("error")) {
    const parsed = StrictError.safeParse(value);
    return parsed.success ? { kind: "response", message: parsed.data } : undefined;
  }
  return undefined;
}

/** The id of a malformed message when one can be read off it, so its error can name it. */
export function salvageId(value: unknown): RequestId | null {
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, "id")) return null;
  const parsed = RequestIdSchema.safeParse((value as { id: unknown }).id);
  return parsed.success ? parsed.data : null;
}

export function resultResponse(id: RequestId, result: Record<string, unknown>): JsonRpcResultResponse {
  return { jsonrpc: JSONRPC_VERSION, id, result };
}

export function errorResponse(id: RequestId | null, error: JsonRpcErrorObject): JsonRpcErrorResponse {
  return { jsonrpc: JSONRPC_VERSION, id, error };
}

/** A JSON object as a record; anything else (arrays, primitives, null) as an empty one. */
export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function isErrorResponse(response: JsonRpcResponse): response is JsonRpcErrorResponse {
  return "error" in response;
}
