// The one place that defines the gateway's own errors: JSON-RPC code, a stable
// `data.code` string, the HTTP status when answered outside a JSON-RPC exchange,
// and a message a person can act on. Upstream JSON-RPC errors never pass through
// here: they are relayed unchanged.

export { GatewayError, JsonRpcCode, type GatewayErrorCode, type PlainGatewayError } from "./gateway-error.js";
import { GatewayError, JsonRpcCode } from "./gateway-error.js";

const C = JsonRpcCode;

/**
 * The statuses a LIMIT_EXCEEDED is answered with: a body the gateway will not take as it is
 * (400), one too slow to arrive (408), too many sessions (429), too many header bytes (431).
 * All but 400 are refusals at the HTTP level, so they carry -32000 as the spec's examples do.
 */
const LIMIT_STATUSES = {
  400: { rpcCode: C.INVALID_REQUEST, reason: "Invalid request" },
  408: { rpcCode: C.SERVER_ERROR, reason: "Request Timeout" },
  429: { rpcCode: C.SERVER_ERROR, reason: "Too Many Requests" },
  431: { rpcCode: C.SERVER_ERROR, reason: "Request Header Fields Too Large" },
} as const;
type LimitStatus = keyof typeof LIMIT_STATUSES;

/** Which limit refused: the agent's request limit, or one tool's call limit. */
export type RateLimitScope = { scope: "agent"; agent: string } | { scope: "tool"; agent: string; tool: string };

/** Every gateway error, built by name so call sites never invent codes or bodies. */
export const errors = {
  parse: (why: string) => new GatewayError("PARSE_ERROR", C.PARSE_ERROR, `Parse error: ${why}`, 400),
  invalidRequest: (why: string, httpStatus = 400) =>
    new GatewayError("INVALID_REQUEST", C.INVALID_REQUEST, `Invalid request: ${why}`, httpStatus),
  methodNotFound: (method: string, httpStatus = 200) =>
    new GatewayError("METHOD_NOT_FOUND", C.METHOD_NOT_FOUND, `Method not found: ${method}`, httpStatus, { method }),
  invalidParams: (why: string) => new GatewayError("INVALID_PARAMS", C.INVALID_PARAMS, `Invalid params: ${why}`),
  internal: () =>
    new GatewayError("INTERNAL_ERROR", C.INTERNAL_ERROR, "Internal error in the gateway; it has been logged", 500),
  toolNotFound: (name: string) =>
    new GatewayError(
      "TOOL_NOT_FOUND",
      C.INVALID_PARAMS,
      `Unknown tool: ${name}. Call tools/list for the tools this endpoint offers.`,
      200,
      { name },
    ),
  /** A tool the meta-tools were asked for by server and name, which that server does not offer. */
  toolNotOnServer: (server: string, tool: string) =>
    new GatewayError(
      "TOOL_NOT_FOUND",
      C.INVALID_PARAMS,
      `Unknown tool: '${tool}' on server '${server}'. Call get_server_tools or search_tools for the tools you may use.`,
      200,
      { server, name: tool },
    ),
  promptNotFound: (name: string) =>
    new GatewayError(
      "NOT_FOUND",
      C.INVALID_PARAMS,
      `Unknown prompt: ${name}. Call prompts/list for the prompts this endpoint offers.`,
      200,
      { name },
    ),
  resourceNotFound: (uri: string) =>
    new GatewayError("NOT_FOUND", C.RESOURCE_NOT_FOUND, `Resource not found: no upstream server offers ${uri}`, 200, {
      uri,
    }),
  unknownVirtualServer: (name: string) =>
    new GatewayError("NOT_FOUND", C.SERVER_ERROR, `Not Found: no virtual server named '${name}'`, 404, {
      virtualServer: name,
    }),
  serverUnavailable: (server: string, why: string) =>
    new GatewayError(
      "SERVER_UNAVAILABLE",
      C.SERVER_UNAVAILABLE,
      `Upstream server '${server}' is unavailable: ${why}`,
      200,
      {
        server,
      },
    ),
  timeout: (server: string, timeoutMs: number) =>
    new GatewayError("TIMEOUT", C.TIMEOUT, `Upstream server '${server}' did not answer within ${timeoutMs} ms`, 200, {
      server,
      timeoutMs,
    }),
  /** An upstream later than a merged list (or initialize, or prefix-less routing) waits for. */
  late: (server: string, what: string, deadlineMs: number) =>
    new GatewayError(
      "TIMEOUT",
      C.TIMEOUT,
      `Upstream server '${server}' did not answer ${what} within ${deadlineMs} ms (settings.listDeadlineMs); it is left out for now`,
      200,
      { server, deadlineMs },
    ),
  upstreamError: (server: string, why: string, details: { status?: number } = {}) =>
    new GatewayError("UPSTREAM_ERROR", C.UPSTREAM_ERROR, `Upstream server '${server}' misbehaved: ${why}`, 200, {
      server,
      ...details,
    }),
  invalidConfig: (server: string, why: string) =>
    new GatewayError(
      "INVALID_CONFIG",
      C.INVALID_CONFIG,
      `Server '${server}' is not usable because its configuration is invalid: ${why}`,
      200,
      { server },
    ),
  sessionRequired: () =>
    new GatewayError(
      "SESSION_REQUIRED",
      C.SERVER_ERROR,
      "Bad Request: this request needs the Mcp-Session-Id header returned by initialize, or the 2026-07-28 '_meta' envelope (io.modelcontextprotocol/protocolVersion and clientCapabilities)",
      400,
    ),
  sessionNotFound: () =>
    new GatewayError(
      "SESSION_NOT_FOUND",
      C.SERVER_ERROR,
      "Session not found: it expired or was ended. Start a new one with initialize.",
      404,
    ),
  unsupportedProtocolVersion: (version: string, supported: readonly string[]) =>
    new GatewayError(
      "UNSUPPORTED_PROTOCOL_VERSION",
      C.SERVER_ERROR,
      `Bad Request: unsupported MCP-Protocol-Version '${version}'; supported: ${supported.join(", ")}`,
      400,
      { supported },
    ),
  batchNotSupported: (version: string) =>
    new GatewayError(
      "BATCH_NOT_SUPPORTED",
      C.INVALID_REQUEST,
      `Invalid request: JSON-RPC batches are not allowed in protocol revision ${version}`,
      400,
    ),
  notAcceptable: (needs: string) =>
    new GatewayError("NOT_ACCEPTABLE", C.SERVER_ERROR, `Not Acceptable: the Accept header must allow ${needs}`, 406),
  unsupportedMediaType: () =>
    new GatewayError(
      "UNSUPPORTED_MEDIA_TYPE",
      C.SERVER_ERROR,
      "Unsupported Media Type: send Content-Type: application/json",
      415,
    ),
  payloadTooLarge: (limit: number) =>
    new GatewayError("PAYLOAD_TOO_LARGE", C.SERVER_ERROR, `Payload Too Large: the limit is ${limit} bytes`, 413, {
      limit,
    }),
  forbiddenOrigin: (origin: string) =>
    new GatewayError(
      "FORBIDDEN_ORIGIN",
      C.SERVER_ERROR,
      `Forbidden: Origin '${origin}' is not in settings.allowedOrigins`,
      403,
    ),
  unauthorized: (challenge: string, tokensAccepted = false) =>
    new GatewayError(
      "UNAUTHORIZED",
      C.SERVER_ERROR,
      tokensAccepted
        ? "Unauthorized: send a valid OAuth access token or API key as 'Authorization: Bearer <token>'"
        : "Unauthorized: send a valid API key as 'Authorization: Bearer <key>'",
      401,
    ).withHeaders({ "www-authenticate": challenge }),
  insufficientScope: (missing: readonly string[], challenge: string) =>
    new GatewayError(
      "INSUFFICIENT_SCOPE",
      C.SERVER_ERROR,
      `Forbidden: the access token lacks the scope ${missing.join(" ")}`,
      403,
      { scopes: [...missing] },
    ).withHeaders({ "www-authenticate": challenge }),
  unknownTokenAgent: () =>
    new GatewayError(
      "UNKNOWN_TOKEN_AGENT",
      C.SERVER_ERROR,
      "Forbidden: the access token is valid, but names no agent of this gateway",
      403,
    ),
  authUnavailable: () =>
    new GatewayError(
      "AUTH_UNAVAILABLE",
      C.SERVER_ERROR,
      "Service Unavailable: the authorization server's keys cannot be fetched now; retry later",
      503,
    ).withHeaders({ "retry-after": "10" }),
  forbiddenDelegation: (agent: string, subAgent: string, rule: string) =>
    new GatewayError(
      "FORBIDDEN_DELEGATION",
      C.SERVER_ERROR,
      `Forbidden: agent '${agent}' may not act as sub-agent '${subAgent}' (${rule})`,
      403,
      { agent, subAgent, rule },
    ),
  forbiddenVirtualServer: (agent: string, virtualServer: string) =>
    new GatewayError(
      "FORBIDDEN_VIRTUAL_SERVER",
      C.SERVER_ERROR,
      `Forbidden: agent '${agent}' may not use virtual server '${virtualServer}'`,
      403,
      { agent, virtualServer },
    ),
  deniedByPolicy: (
    what: string,
    rule: string,
    revision: string,
    subject: { server: string; name?: string; uri?: string },
  ) =>
    new GatewayError("DENIED_BY_POLICY", C.DENIED_BY_POLICY, `Denied by policy: ${what} (${rule})`, 200, {
      rule,
      revision,
      ...subject,
    }),
  /** Never the matched value: the guard, the detector, which side, and what it was about. */
  guardBlocked: (guard: string, detector: string, side: "request" | "response", server: string) =>
    new GatewayError(
      "GUARD_BLOCKED",
      C.GUARD_BLOCKED,
      side === "request"
        ? `Blocked by guard '${guard}': the arguments contain ${detector} data; nothing was sent to '${server}'`
        : `Blocked by guard '${guard}': the result from '${server}' contains ${detector} data and was withheld`,
      200,
      { guard, detector, side, server },
    ),
  /** A mask the guard cannot make without breaking what it masks: refused instead of sent broken. */
  guardCannotMask: (guard: string, side: "request" | "response", server: string, why: string) =>
    new GatewayError(
      "GUARD_BLOCKED",
      C.GUARD_BLOCKED,
      `Blocked by guard '${guard}': the ${side === "request" ? "arguments" : `result from '${server}'`} cannot be masked safely (${why})`,
      200,
      { guard, side, server },
    ),
  toolQuarantined: (server: string, tool: string, fingerprint: string) =>
    new GatewayError(
      "TOOL_QUARANTINED",
      C.TOOL_QUARANTINED,
      `Tool '${tool}' of server '${server}' is quarantined: its definition changed since the gateway pinned it. ` +
        `An operator can approve the new definition (fingerprint ${fingerprint}) in pin:${server}.`,
      200,
      { server, name: tool, fingerprint },
    ),
  resultTooLarge: (server: string, tool: string, bytes: number, limit: number) =>
    new GatewayError(
      "RESULT_TOO_LARGE",
      C.UPSTREAM_ERROR,
      `The result of '${tool}' from '${server}' is ${bytes} bytes, more than its maxResultBytes (${limit}), ` +
        "and what makes it large (structured content, images or other binary content) cannot be cut without breaking it",
      200,
      { server, name: tool, bytes, limit },
    ),
  confirmationDeclined: (server: string, tool: string, why: string) =>
    new GatewayError(
      "CONFIRMATION_DECLINED",
      C.GUARD_BLOCKED,
      `Not run: '${tool}' on '${server}' needs a person's yes, and ${why}; nothing was sent to '${server}'`,
      200,
      { server, name: tool },
    ),
  confirmationUnavailable: (server: string, tool: string, why: string) =>
    new GatewayError(
      "CONFIRMATION_UNAVAILABLE",
      C.INPUT_UNAVAILABLE,
      `Not run: '${tool}' on '${server}' needs a person's yes, and the user could not be asked (${why}); nothing was sent to '${server}'`,
      200,
      { server, name: tool },
    ),
  guardUnavailable: (guard: string, why: string) =>
    new GatewayError("GUARD_UNAVAILABLE", C.GUARD_UNAVAILABLE, `Guard '${guard}' cannot check this call: ${why}`, 200, {
      guard,
    }),
  headerMismatch: (header: string, why: string) =>
    new GatewayError(
      "HEADER_MISMATCH",
      C.HEADER_MISMATCH,
      `Bad Request: the ${header} header disagrees with the body: ${why}`,
      400,
      { header },
    ),
  invalidEnvelope: (why: string) =>
    new GatewayError(
      "INVALID_ENVELOPE",
      C.INVALID_PARAMS,
      `Invalid params: the _meta envelope is invalid: ${why}`,
      400,
    ),
  unsupportedModernVersion: (requested: string, supported: readonly string[]) =>
    new GatewayError(
      "UNSUPPORTED_PROTOCOL_VERSION",
      C.UNSUPPORTED_PROTOCOL_VERSION,
      `Unsupported protocol version: ${requested}; supported: ${supported.join(", ")}`,
      400,
      { supported, requested },
    ),
  inputUnavailable: (server: string, method: string, why: string) =>
    new GatewayError(
      "INPUT_UNAVAILABLE",
      C.INPUT_UNAVAILABLE,
      `Upstream server '${server}' asked the client for ${method}, which cannot be relayed: ${why}`,
      200,
      { server, method },
    ),
  /** A request over one of the settings' limits (`limit` names the setting). */
  limitExceeded: (limit: string, max: number, what: string, httpStatus: LimitStatus = 400) =>
    new GatewayError(
      "LIMIT_EXCEEDED",
      LIMIT_STATUSES[httpStatus].rpcCode,
      `${LIMIT_STATUSES[httpStatus].reason}: ${what} (settings.${limit} is ${max})`,
      httpStatus,
      { limit, max },
    ),
  circuitOpen: (server: string, retryAfterMs: number) =>
    new GatewayError(
      "SERVER_UNAVAILABLE",
      C.SERVER_UNAVAILABLE,
      `Upstream server '${server}' is unavailable: it failed repeatedly, so the gateway stopped calling it for now (circuit breaker open; retry in ${Math.ceil(retryAfterMs / 1000)} s)`,
      200,
      { server, breaker: "open", retryAfterMs },
    ),
  rateLimited: (what: string, limit: number, windowSeconds: number, retryAfterMs: number, scope: RateLimitScope) =>
    new GatewayError(
      "RATE_LIMITED",
      C.RATE_LIMITED,
      `Rate limited: ${what} may be used ${limit} times per ${windowSeconds} s; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      200,
      { retryAfterMs, limit, windowSeconds, ...scope },
    ),
  cancelled: () => new GatewayError("CANCELLED", C.SERVER_ERROR, "Request cancelled by the client", 200),
  forbiddenHost: (host: string) =>
    new GatewayError(
      "FORBIDDEN_HOST",
      C.SERVER_ERROR,
      `Forbidden: Host '${host}' is not in settings.allowedHosts`,
      403,
    ),
};
