// An upstream's own requests to the client behind the gateway (sampling, elicitation,
// roots): which ones a client can be asked, given what it declared, and the errors the
// upstream gets when it cannot (sent to the upstream, never to the client). Pure.
// Relaying them is the gateway's business.
import { JsonRpcCode as C } from "./errors.js";
import type { JsonRpcErrorObject } from "./jsonrpc.js";
import { capabilityNeededFor, SERVER_REQUESTS } from "./methods.js";

/** The client's answer to an upstream's own request. */
export type ClientAnswer = { result: Record<string, unknown> } | { error: JsonRpcErrorObject };

/** Of a client's capabilities, those an upstream may rely on through the gateway. */
export function relayableCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const relayable: Record<string, unknown> = {};
  for (const name of Object.values(SERVER_REQUESTS)) {
    if (capabilities[name] !== undefined) relayable[name] = capabilities[name];
  }
  return relayable;
}

/** Whether an upstream could ever ask this client anything. */
export function canBeAsked(capabilities: Record<string, unknown>): boolean {
  return Object.keys(relayableCapabilities(capabilities)).length > 0;
}

/** Why a client with these capabilities cannot be asked `method`, as the upstream's answer; undefined if it can. */
export function refusedQuestion(method: string, capabilities: Record<string, unknown>): ClientAnswer | undefined {
  const needs = capabilityNeededFor(method);
  if (!needs) return { error: questionErrors.notRelayed(method) };
  if (capabilities[needs] !== undefined) return undefined;
  return { error: questionErrors.missingCapability(needs, method) };
}

/**
 * The errors the gateway answers an upstream's own request with (sampling, elicitation,
 * roots) when the client cannot or did not answer it: sent to the upstream, never to
 * the client.
 */
export const questionErrors = {
  methodNotFound: (method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `Method not found: ${method}`,
  }),
  notRelayed: (method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `The gateway does not relay ${method} to clients`,
  }),
  missingCapability: (capability: string, method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `The client did not declare the '${capability}' capability needed for ${method}`,
  }),
  noStream: (method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `The client of this request cannot be asked for ${method}: it has no open event stream`,
  }),
  cannotAnswerHere: (method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `The client cannot answer ${method} here`,
  }),
  takesNoStreams: (method: string): JsonRpcErrorObject => ({
    code: C.METHOD_NOT_FOUND,
    message: `The client cannot be asked for ${method}: it takes no streams`,
  }),
  notAnsweredInTime: (method: string): JsonRpcErrorObject => ({
    code: C.REQUEST_TIMEOUT,
    message: `The client did not answer ${method} in time`,
  }),
  notInRetry: (key: string): JsonRpcErrorObject => ({
    code: C.INVALID_PARAMS,
    message: `The client's retry did not answer '${key}'`,
  }),
  relayFailed: (why: string): JsonRpcErrorObject => ({ code: C.INTERNAL_ERROR, message: why }),
};
