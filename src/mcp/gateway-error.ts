// The gateway's error type: a JSON-RPC code, a stable `data.code` string, the HTTP status
// when answered outside a JSON-RPC exchange, and headers such an answer carries. Which
// errors exist, with their messages, is errors.ts's.
import type { JsonRpcErrorObject, RequestId } from "./jsonrpc.js";

export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** HTTP-level refusals (session, headers, origin), as the spec's examples use. */
  SERVER_ERROR: -32000,
  /** The SDKs' code for a request nobody answered in time. */
  REQUEST_TIMEOUT: -32001,
  /** The spec's code for an unknown resource URI. */
  RESOURCE_NOT_FOUND: -32002,
  SERVER_UNAVAILABLE: -32010,
  TIMEOUT: -32011,
  UPSTREAM_ERROR: -32012,
  INVALID_CONFIG: -32013,
  DENIED_BY_POLICY: -32014,
  /** The request needs client input the gateway cannot ask this client for. */
  INPUT_UNAVAILABLE: -32015,
  /** The agent or tool is over its rate limit; `data.retryAfterMs` says when to retry. */
  RATE_LIMITED: -32016,
  /** A guard refused what would have passed (a match of a blocking detector, or a mask it cannot make safely). */
  GUARD_BLOCKED: -32017,
  /** A guard that applies cannot check: no valid entry, or its analyzer failed and it fails closed. */
  GUARD_UNAVAILABLE: -32018,
  /** The tool's definition changed since it was pinned, and settings.toolPinning quarantines it. */
  TOOL_QUARANTINED: -32019,
  /** 2026-07-28: a header disagrees with the body it mirrors. */
  HEADER_MISMATCH: -32020,
  /** 2026-07-28: the client lacks a capability the request needs. */
  MISSING_CLIENT_CAPABILITY: -32021,
  /** 2026-07-28: the requested protocol revision is not served here. */
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
} as const;

export type GatewayErrorCode =
  | "PARSE_ERROR"
  | "INVALID_REQUEST"
  | "METHOD_NOT_FOUND"
  | "INVALID_PARAMS"
  | "INTERNAL_ERROR"
  | "TOOL_NOT_FOUND"
  | "NOT_FOUND"
  | "SERVER_UNAVAILABLE"
  | "TIMEOUT"
  | "UPSTREAM_ERROR"
  | "INVALID_CONFIG"
  | "SESSION_REQUIRED"
  | "SESSION_NOT_FOUND"
  | "UNSUPPORTED_PROTOCOL_VERSION"
  | "BATCH_NOT_SUPPORTED"
  | "NOT_ACCEPTABLE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "FORBIDDEN_ORIGIN"
  | "FORBIDDEN_HOST"
  | "UNAUTHORIZED"
  | "INSUFFICIENT_SCOPE"
  | "UNKNOWN_TOKEN_AGENT"
  | "AUTH_UNAVAILABLE"
  | "FORBIDDEN_DELEGATION"
  | "FORBIDDEN_VIRTUAL_SERVER"
  | "DENIED_BY_POLICY"
  | "HEADER_MISMATCH"
  | "INVALID_ENVELOPE"
  | "INPUT_UNAVAILABLE"
  | "CANCELLED"
  | "LIMIT_EXCEEDED"
  | "RATE_LIMITED"
  | "GUARD_BLOCKED"
  | "GUARD_UNAVAILABLE"
  | "TOOL_QUARANTINED"
  | "RESULT_TOO_LARGE"
  | "CONFIRMATION_DECLINED"
  | "CONFIRMATION_UNAVAILABLE";

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  /** The fault may pass (no connection, 5xx, a cut stream): worth retrying an idempotent request. Never sent. */
  transient = false;
  /** The JSON-RPC request it answers, when answered as a whole HTTP response. */
  requestId: RequestId | null = null;
  /** HTTP headers its whole-response answer carries (a 401's challenge). */
  headers: Record<string, string> = {};

  constructor(
    readonly code: GatewayErrorCode,
    readonly rpcCode: number,
    message: string,
    readonly httpStatus: number = 200,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  markTransient(): this {
    this.transient = true;
    return this;
  }

  /** Answers this request (its id goes in the error response). */
  about(id: RequestId | null): this {
    this.requestId = id;
    return this;
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }

  toJsonRpc(): JsonRpcErrorObject {
    return { code: this.rpcCode, message: this.message, data: { code: this.code, ...this.details } };
  }

  /** A plain copy that survives a Durable Object RPC boundary; `revive` restores it. */
  toPlain(): PlainGatewayError {
    return {
      code: this.code,
      rpcCode: this.rpcCode,
      message: this.message,
      httpStatus: this.httpStatus,
      details: this.details,
    };
  }

  static revive(plain: PlainGatewayError): GatewayError {
    return new GatewayError(plain.code, plain.rpcCode, plain.message, plain.httpStatus, plain.details);
  }
}

export interface PlainGatewayError {
  code: GatewayErrorCode;
  rpcCode: number;
  message: string;
  httpStatus: number;
  details: Record<string, unknown>;
}
