// Sessions that speak as a chosen agent. The client itself lives in client.ts (one class
// for every integration test); this module keeps the names the agent-centred tests use,
// and the helper that reads a refusal.
import { expect } from "vitest";
import type { RpcResponse } from "./client.js";

export {
  credentialHeaders,
  GatewayClient as AgentSession,
  initializeAs,
  type AgentOptions,
  type Credentials,
  type NamedKind,
  type UriKind,
} from "./client.js";

/** A whole HTTP answer that is a JSON-RPC error: its status, body and challenge. */
export async function refusal(response: Response): Promise<{ status: number; body: RpcResponse; text: string }> {
  const text = await response.text();
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return { status: response.status, body: JSON.parse(text) as RpcResponse, text };
}
