// The two protocol eras, and how a POST is told apart. Pure.
//
// Legacy (2025-03-26, 2025-06-18, 2025-11-25): `initialize`, then `Mcp-Session-Id`.
// Current (2026-07-28): no handshake; every request carries a `_meta` envelope with its
// protocol version, client info and capabilities, mirrored by the `MCP-Protocol-Version`,
// `Mcp-Method` and `Mcp-Name` headers. The body decides the era (the revision's
// backward-compatibility rule); headers are cross-checked against it.
import { errors, type GatewayError } from "./errors.js";
import { asRecord, type JsonRpcNotification, type JsonRpcRequest } from "./jsonrpc.js";
import { clientMethod } from "./methods.js";
import {
  isModernVersion,
  isSupportedLegacyVersion,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./versions.js";

export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  logLevel: "io.modelcontextprotocol/logLevel",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** What a current-era request says about its client, read off its envelope. */
export interface Envelope {
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
  logLevel?: string;
}

export interface PostHeaders {
  protocolVersion?: string | undefined;
  method?: string | undefined;
  name?: string | undefined;
}

export type Classification =
  { era: "legacy" } | { era: "modern"; envelope: Envelope } | { era: "rejected"; error: GatewayError };

/**
 * Decides the era of one POSTed request or notification and checks its headers
 * against its body. Batches are legacy by definition (the current era has none).
 */
export function classifyPost(
  message: JsonRpcRequest | JsonRpcNotification,
  headers: PostHeaders,
  isRequest: boolean,
): Classification {
  const headerVersion = headers.protocolVersion?.trim();
  const meta = asRecord(message.params?.["_meta"]);
  const claimed = Object.hasOwn(meta, META.protocolVersion) ? meta[META.protocolVersion] : undefined;

  if (claimed === undefined) {
    if (headerVersion !== undefined && isModernVersion(headerVersion)) {
      return reject(
        errors.invalidEnvelope(
          `the MCP-Protocol-Version header names ${headerVersion}, but the request has no '_meta' envelope (${META.protocolVersion}, ${META.clientCapabilities})`,
        ),
      );
    }
    return { era: "legacy" };
  }
  if (typeof claimed !== "string") return reject(errors.invalidEnvelope(`${META.protocolVersion} must be a string`));
  // An envelope says its sender speaks the current era: a 2025 revision in it reads as
  // legacy, anything else it names that is not served is the unsupported-version error.
  if (isSupportedLegacyVersion(claimed)) return { era: "legacy" };
  if (!(MODERN_PROTOCOL_VERSIONS as readonly string[]).includes(claimed)) {
    return reject(errors.unsupportedModernVersion(claimed, SUPPORTED_PROTOCOL_VERSIONS));
  }

  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities)) {
    return reject(errors.invalidEnvelope(`${META.clientCapabilities} is required and must be an object`));
  }
  const clientInfo = meta[META.clientInfo];
  if (clientInfo !== undefined && !isImplementation(clientInfo)) {
    return reject(errors.invalidEnvelope(`${META.clientInfo} must be an object with a string name and version`));
  }
  const logLevel = meta[META.logLevel];
  if (logLevel !== undefined && typeof logLevel !== "string") {
    return reject(errors.invalidEnvelope(`${META.logLevel} must be a string`));
  }

  const mismatch = headerMismatch(message, headers, claimed, isRequest);
  if (mismatch) return reject(errors.headerMismatch(mismatch.header, mismatch.why));
  return {
    era: "modern",
    envelope: {
      protocolVersion: claimed,
      clientInfo: asRecord(clientInfo),
      clientCapabilities: capabilities,
      ...(logLevel !== undefined ? { logLevel } : {}),
    },
  };
}

function headerMismatch(
  message: JsonRpcRequest | JsonRpcNotification,
  headers: PostHeaders,
  claimed: string,
  isRequest: boolean,
): { header: string; why: string } | undefined {
  const version = headers.protocolVersion?.trim();
  if (version === undefined) {
    if (isRequest) return { header: "MCP-Protocol-Version", why: `missing; the body names ${claimed}` };
  } else if (version !== claimed) {
    return { header: "MCP-Protocol-Version", why: `names ${version} but the body names ${claimed}` };
  }
  const method = headers.method?.trim();
  if (method === undefined) {
    if (isRequest) return { header: "Mcp-Method", why: `missing; the body names ${message.method}` };
  } else if (method !== message.method) {
    return { header: "Mcp-Method", why: `names ${method} but the body names ${message.method}` };
  }
  const source = clientMethod(message.method)?.nameSource;
  if (!source || !isRequest) return undefined;
  const bodyValue = message.params?.[source];
  if (typeof bodyValue !== "string") return undefined;
  if (headers.name === undefined)
    return { header: "Mcp-Name", why: `missing; the body carries ${source} '${bodyValue}'` };
  const named = decodeHeaderValue(headers.name.trim());
  if (named === undefined) return { header: "Mcp-Name", why: "carries an invalid =?base64?...?= value" };
  if (named !== bodyValue) return { header: "Mcp-Name", why: `names '${named}' but the body carries '${bodyValue}'` };
  return undefined;
}

const SENTINEL_PREFIX = "=?base64?";
const SENTINEL_SUFFIX = "?=";

/** Header values that are not plain ASCII travel as `=?base64?<utf-8 base64>?=`. */
export function encodeHeaderValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && value.trim() === value && !value.startsWith(SENTINEL_PREFIX)) return value;
  const bytes = new TextEncoder().encode(value);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `${SENTINEL_PREFIX}${btoa(binary)}${SENTINEL_SUFFIX}`;
}

export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const encoded = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  try {
    const binary = atob(encoded);
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
}

/** The headers a current-era request must carry, derived from its body. */
export function modernRequestHeaders(method: string, params: Record<string, unknown> | undefined, version: string) {
  const headers: Record<string, string> = { "mcp-protocol-version": version, "mcp-method": method };
  const source = clientMethod(method)?.nameSource;
  const value = source ? params?.[source] : undefined;
  if (typeof value === "string") headers["mcp-name"] = encodeHeaderValue(value);
  return headers;
}

const HOP_KEYS: ReadonlySet<string> = new Set(Object.values(META));

/**
 * The envelope keys (and the other keys of one hop: serverInfo, subscriptionId) are the
 * gateway's business; everything else in `_meta` travels on, the protocol's own keys that
 * belong to the message included (a task's `io.modelcontextprotocol/related-task`).
 */
export function withoutEnvelope(meta: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines own properties: a `__proto__` key stays a key, relayed as sent.
  return Object.fromEntries(Object.entries(meta).filter(([key]) => !HOP_KEYS.has(key)));
}

export function isInputRequired(result: Record<string, unknown>): boolean {
  return result["resultType"] === "input_required";
}

/**
 * A result as a current-era client expects it: `resultType` always, cache hints on
 * cacheable results (the given ones when the gateway has better knowledge).
 */
export function toModernResult(
  method: string,
  result: Record<string, unknown>,
  cache: { ttlMs: number; cacheScope: "public" | "private" } = { ttlMs: 0, cacheScope: "private" },
): Record<string, unknown> {
  const resultType = typeof result["resultType"] === "string" ? result["resultType"] : "complete";
  const modern: Record<string, unknown> = { ...result, resultType };
  if (resultType === "complete" && clientMethod(method)?.cacheable) {
    if (!isTtl(modern["ttlMs"])) modern["ttlMs"] = cache.ttlMs;
    if (modern["cacheScope"] !== "public" && modern["cacheScope"] !== "private")
      modern["cacheScope"] = cache.cacheScope;
  }
  return modern;
}

/**
 * A result as a legacy client expects it: the current era's additions removed, and what
 * a current-era upstream put in `_meta` for its own hop (`io.modelcontextprotocol/…`,
 * such as its serverInfo): the client's server is the gateway, not that upstream.
 */
export function toLegacyResult(result: Record<string, unknown>): Record<string, unknown> {
  const meta = result["_meta"];
  const hopMeta = isObject(meta) && Object.keys(meta).some((key) => HOP_KEYS.has(key));
  if (!("resultType" in result || "ttlMs" in result || "cacheScope" in result || hopMeta)) return result;
  const legacy = { ...result };
  delete legacy["resultType"];
  delete legacy["ttlMs"];
  delete legacy["cacheScope"];
  if (hopMeta) {
    const kept = withoutEnvelope(meta);
    if (Object.keys(kept).length > 0) legacy["_meta"] = kept;
    else delete legacy["_meta"];
  }
  return legacy;
}

function isTtl(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isImplementation(value: unknown): boolean {
  return isObject(value) && typeof value["name"] === "string" && typeof value["version"] === "string";
}

function reject(error: GatewayError): Classification {
  return { era: "rejected", error };
}
