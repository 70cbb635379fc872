// What the hostile-input suites share: requests as an attacker sends them (raw bytes,
// repeated or oversized headers, current-era requests with any envelope), the checks
// every answer must pass (a proper status, never a 500, JSON-RPC bodies with a
// `data.code` string), and the checks that nothing was damaged afterwards (prototypes,
// a healthy session, the configuration). It builds requests; it asserts nothing about
// what a particular hostile input should get: the tests say that.
import { expect } from "vitest";
import {
  ACCEPT_BOTH,
  GatewayClient,
  gatewayFetch,
  messagesOf,
  parseSse,
  type RpcMessage,
  type RpcResponse,
} from "./client.js";

export const MODERN_VERSION = "2026-07-28";
export const META_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

/** The `_meta` envelope a current-era request carries, plus any other keys. */
export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { [META_VERSION]: MODERN_VERSION, [META_CAPABILITIES]: {}, ...extra };
}

/** Which `params` field `Mcp-Name` mirrors, per method (as the 2026-07-28 revision says). */
const NAME_SOURCE: Record<string, string> = { "tools/call": "name", "prompts/get": "name", "resources/read": "uri" };

/** `Mcp-Name` as a client sends it: plain ASCII as is, anything else as `=?base64?…?=`. */
export function headerValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && value.trim() === value && !value.startsWith("=?base64?")) return value;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/** The headers that mirror a current-era body: MCP-Protocol-Version, Mcp-Method, Mcp-Name. */
export function mirroredHeaders(method: string, params: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = { "mcp-protocol-version": MODERN_VERSION, "mcp-method": method };
  const source = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  const value = source === undefined ? undefined : params[source];
  if (typeof value === "string") headers["mcp-name"] = headerValue(value);
  return headers;
}

/** A current-era request: `params._meta` carries the envelope (and whatever else `params._meta` had). */
export function modernRequest(method: string, params: Record<string, unknown> = {}, id: unknown = 1) {
  const meta = typeof params["_meta"] === "object" && params["_meta"] !== null ? params["_meta"] : {};
  return { jsonrpc: "2.0", id, method, params: { ...params, _meta: modernMeta(meta as Record<string, unknown>) } };
}

/** POSTs a current-era request with its mirrored headers (overridable). */
export function postModern(
  method: string,
  params: Record<string, unknown> = {},
  options: { id?: unknown; headers?: Record<string, string>; path?: string } = {},
): Promise<Response> {
  const body = modernRequest(method, params, options.id ?? 1);
  return postRaw(JSON.stringify(body), { ...mirroredHeaders(method, body.params), ...options.headers }, options.path);
}

/** A current-era request answered with HTTP 200; its JSON-RPC answer, from JSON or an event stream. */
export async function askModern(
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<RpcMessage> {
  const id = `m-${crypto.randomUUID().slice(0, 8)}`;
  const response = await postModern(method, params, { id, headers });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const type = response.headers.get("content-type") ?? "";
  const messages = type.startsWith("text/event-stream") ? messagesOf(parseSse(text)) : [JSON.parse(text) as RpcMessage];
  const answer = messages.find((m) => m.id === id && m.method === undefined);
  expect(answer, text).toBeDefined();
  return answer!;
}

/**
 * POSTs a body exactly as given (bytes or text) to the gateway, with JSON content type
 * and an Accept that takes both answers unless `headers` says otherwise. Headers may be
 * a list of pairs so that one name can be sent twice.
 */
export function postRaw(
  body: BodyInit,
  headers: Record<string, string> | Array<[string, string]> = {},
  path = "/mcp",
): Promise<Response> {
  const all = new Headers({ "content-type": "application/json", accept: ACCEPT_BOTH });
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  const replaced = new Set<string>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (!replaced.has(key)) all.delete(key);
    replaced.add(key);
    all.append(key, value);
  }
  return gatewayFetch(path, { method: "POST", headers: all, body });
}

/** What a well-formed answer held: its status and the JSON-RPC messages in its body. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** Every JSON-RPC message in the body (a batch's entries, a stream's events); none for 202/204. */
  messages: RpcMessage[];
}

/**
 * Reads an answer of /mcp and checks what every answer must be, whatever was asked: a
 * proper status (never 500), and a body that is empty (202, 204, 405), a JSON-RPC
 * response or an array of them, or an event stream of JSON-RPC messages. Every error the
 * gateway makes carries a `data.code` string; errors relayed from an upstream may not.
 */
export async function wellFormed(response: Response, context = ""): Promise<Answer> {
  const text = await response.text();
  const status = response.status;
  const contentType = response.headers.get("content-type") ?? "";
  const where = `${context} → ${status} ${text.slice(0, 500)}`;
  expect(status, where).not.toBe(500);
  expect([200, 202, 204, 400, 401, 403, 404, 405, 406, 413, 415, 431], where).toContain(status);
  if (status === 202 || status === 204 || status === 405) {
    expect(text, where).toBe("");
    return { status, contentType, text, messages: [] };
  }
  let messages: RpcMessage[];
  if (contentType.startsWith("text/event-stream")) {
    expect(status, where).toBe(200);
    messages = messagesOf(parseSse(text));
  } else {
    expect(contentType, where).toMatch(/^application\/json/);
    const body = JSON.parse(text) as RpcMessage | RpcMessage[];
    messages = Array.isArray(body) ? body : [body];
    if (Array.isArray(body)) expect(body.length, where).toBeGreaterThan(0);
  }
  for (const message of messages) expectRpcMessage(message, status, where);
  return { status, contentType, text, messages };
}

/** One JSON-RPC message as the gateway may send it; an error outside 200 must be the gateway's own. */
function expectRpcMessage(message: RpcMessage, status: number, where: string): void {
  expect(message.jsonrpc, where).toBe("2.0");
  if (message.method !== undefined) {
    // A notification or a relayed question on a stream.
    expect(typeof message.method, where).toBe("string");
    return;
  }
  expect(message.id === null || typeof message.id === "string" || typeof message.id === "number", where).toBe(true);
  const hasResult = message.result !== undefined;
  const hasError = message.error !== undefined;
  expect(hasResult !== hasError, `${where}: exactly one of result and error`).toBe(true);
  if (hasResult) {
    const result: unknown = message.result;
    expect(typeof result === "object" && result !== null && !Array.isArray(result), where).toBe(true);
    return;
  }
  expect(Number.isInteger(message.error!.code), where).toBe(true);
  expect(typeof message.error!.message, where).toBe("string");
  if (status !== 200) expect(typeof message.error!.data?.code, `${where}: data.code`).toBe("string");
}

/** The answer of a whole-request refusal: one JSON-RPC error, with its HTTP status. */
export async function refusedWith(response: Response): Promise<{ status: number; body: RpcResponse }> {
  const answer = await wellFormed(response);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.messages).toHaveLength(1);
  return { status: answer.status, body: answer.messages[0] as RpcResponse };
}

/** Checks a whole-request refusal: its status, JSON-RPC code, `data.code` and id; returns its body. */
export async function expectRefused(
  response: Response,
  expected: { status: number; code: number; dataCode: string; id?: string | number | null },
  context = "",
): Promise<RpcResponse> {
  const { status, body } = await refusedWith(response);
  const where = `${context}: ${JSON.stringify(body)}`;
  expect(status, where).toBe(expected.status);
  expect(body.error?.code, where).toBe(expected.code);
  expect(body.error?.data?.code, where).toBe(expected.dataCode);
  expect(body.id, where).toBe(expected.id ?? null);
  return body;
}

/** The keys a polluted prototype would show on every plain object. */
const POLLUTION_MARKERS = ["polluted", "isAdmin", "admin", "allow", "tools", "servers", "injected"];
const pristineObjectKeys = Object.getOwnPropertyNames(Object.prototype).sort();
const pristineArrayKeys = Object.getOwnPropertyNames(Array.prototype).sort();
const pristineFunctionKeys = Object.getOwnPropertyNames(Function.prototype).sort();

/** Object.prototype, Array.prototype and Function.prototype as they were when this module loaded. */
export function expectPrototypesClean(): void {
  const plain = {} as Record<string, unknown>;
  for (const marker of POLLUTION_MARKERS) expect(plain[marker], `({}).${marker}`).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pristineObjectKeys);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(pristineArrayKeys);
  expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(pristineFunctionKeys);
  expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  expect(typeof Object.prototype.toString).toBe("function");
  expect(typeof Object.prototype.hasOwnProperty).toBe("function");
  expect(Object.prototype.constructor).toBe(Object);
}

/**
 * After a hostile group: the session opened before it still lists what it listed and
 * calls the echo tool correctly, and a new session (legacy) and a current-era request
 * are served as well. `tools` is the list the healthy session saw before.
 */
export async function expectStillServing(healthy: GatewayClient, tools: readonly string[], echo = "fx__echo") {
  expect(await healthy.callText(echo, { text: "still here" })).toBe("still here");
  expect(await healthy.toolNames()).toEqual(tools);

  const fresh = await GatewayClient.connect();
  expect(await fresh.toolNames()).toEqual(tools);
  expect(await fresh.callText(echo, { text: "fresh" })).toBe("fresh");

  const modern = await postModern("tools/call", { name: echo, arguments: { text: "modern" } }, { id: "after" });
  expect(modern.status).toBe(200);
  const answer = await wellFormed(modern);
  const response = answer.messages.find((m) => m.id === "after");
  expect(response?.result?.["content"]).toEqual([{ type: "text", text: "modern" }]);
  expectPrototypesClean();
}

/**
 * After a group whose tests rewrite the configuration: the session opened before still
 * answers, a new one opens and lists, and the prototypes are untouched.
 */
export async function expectSessionsWork(healthy: GatewayClient): Promise<void> {
  expect(await healthy.rpc("ping")).toMatchObject({ result: {} });
  const fresh = await GatewayClient.connect();
  await fresh.result("tools/list");
  expectPrototypesClean();
}

/** `depth` arrays inside one another around `inner`: `[[[inner]]]` for depth 3. */
export function nested(depth: number, inner = "0"): string {
  return `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;
}
