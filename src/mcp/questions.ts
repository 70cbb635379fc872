// An upstream's own requests to the client behind the gateway (sampling, elicitation,
// roots): which ones a client can be asked, given what it declared, and the error the
// upstream gets when it cannot. Pure. Relaying them is the gateway's business.
import { questionErrors } from "./errors.js";
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
