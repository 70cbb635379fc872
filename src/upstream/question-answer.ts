// What the gateway answers an upstream's own request (sampling, elicitation, roots, ping)
// made during a call: ping needs no client; a method no capability covers is unknown;
// the rest goes to the call's `onRequest` (the client, or a refusal), never left waiting.
import type { JsonRpcRequest } from "../mcp/jsonrpc.js";
import { capabilityNeededFor } from "../mcp/methods.js";
import { questionErrors, type ClientAnswer } from "../mcp/questions.js";
import type { RequestOptions } from "./link.js";

export async function questionAnswer(request: JsonRpcRequest, options: RequestOptions): Promise<ClientAnswer> {
  if (request.method === "ping") return { result: {} };
  if (capabilityNeededFor(request.method) === undefined)
    return { error: questionErrors.methodNotFound(request.method) };
  if (!options.onRequest) return { error: questionErrors.cannotAnswerHere(request.method) };
  try {
    return await options.onRequest(request.method, request.params ?? {});
  } catch (error) {
    return { error: questionErrors.relayFailed(error instanceof Error ? error.message : "relay failed") };
  }
}
