import { describe, expect, it } from "vitest";
import {
  classifyPost,
  decodeHeaderValue,
  encodeHeaderValue,
  META,
  modernRequestHeaders,
  toLegacyResult,
  toModernResult,
  withoutEnvelope,
  type PostHeaders,
} from "../../src/mcp/eras.js";
import type { JsonRpcRequest } from "../../src/mcp/jsonrpc.js";

const envelope = (extra: Record<string, unknown> = {}) => ({
  [META.protocolVersion]: "2026-07-28",
  [META.clientCapabilities]: {},
  ...extra,
});
const toolCall = (meta?: Record<string, unknown>): JsonRpcRequest => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "gh__search", ...(meta ? { _meta: meta } : {}) },
});
const headers = (extra: Partial<PostHeaders> = {}): PostHeaders => ({
  protocolVersion: "2026-07-28",
  method: "tools/call",
  name: "gh__search",
  ...extra,
});
const rejection = (outcome: ReturnType<typeof classifyPost>) =>
  outcome.era === "rejected"
    ? { code: outcome.error.code, rpc: outcome.error.rpcCode, header: outcome.error.details["header"] }
    : outcome.era;

describe("classifyPost: which era a POSTed message belongs to", () => {
  it("takes a request without the envelope as legacy, whatever else it carries", () => {
    expect(classifyPost(toolCall(), {}, true)).toEqual({ era: "legacy" });
    expect(classifyPost(toolCall(), { protocolVersion: "2025-06-18" }, true)).toEqual({ era: "legacy" });
  });

  it("takes a request whose envelope names a 2025 revision as legacy", () => {
    expect(classifyPost(toolCall({ [META.protocolVersion]: "2025-06-18" }), {}, true)).toEqual({ era: "legacy" });
  });

  it("refuses an envelope naming no revision it can serve with the unsupported-version error", () => {
    for (const version of ["banana", "2026-13-99x", "1.0", "2099-01-01"]) {
      const outcome = classifyPost(
        toolCall(envelope({ [META.protocolVersion]: version })),
        headers({ protocolVersion: version }),
        true,
      );
      expect(rejection(outcome), version).toMatchObject({ code: "UNSUPPORTED_PROTOCOL_VERSION", rpc: -32022 });
    }
  });

  it("reads the envelope of a current-era request", () => {
    const outcome = classifyPost(
      toolCall(envelope({ [META.clientInfo]: { name: "c", version: "1" }, [META.logLevel]: "info" })),
      headers(),
      true,
    );
    expect(outcome).toEqual({
      era: "modern",
      envelope: {
        protocolVersion: "2026-07-28",
        clientInfo: { name: "c", version: "1" },
        clientCapabilities: {},
        logLevel: "info",
      },
    });
  });

  it("refuses a current-era header on a request with no envelope", () => {
    expect(rejection(classifyPost(toolCall(), headers(), true))).toMatchObject({ code: "INVALID_ENVELOPE" });
  });

  it("refuses a malformed envelope, naming what is wrong", () => {
    const cases = [
      { [META.protocolVersion]: 20260728, [META.clientCapabilities]: {} },
      { [META.protocolVersion]: "2026-07-28" },
      envelope({ [META.clientInfo]: { name: "c" } }),
      envelope({ [META.logLevel]: 3 }),
    ];
    for (const meta of cases)
      expect(rejection(classifyPost(toolCall(meta), headers(), true))).toMatchObject({
        code: "INVALID_ENVELOPE",
        rpc: -32602,
      });
  });

  it("refuses a later revision it does not serve with the unsupported-version error", () => {
    const outcome = classifyPost(toolCall(envelope({ [META.protocolVersion]: "2027-01-01" })), headers(), true);
    expect(rejection(outcome)).toMatchObject({ code: "UNSUPPORTED_PROTOCOL_VERSION", rpc: -32022 });
  });

  it("refuses headers that disagree with the body, naming the header", () => {
    const body = toolCall(envelope());
    const mismatches: Array<[Partial<PostHeaders>, string]> = [
      [{ protocolVersion: undefined }, "MCP-Protocol-Version"],
      [{ protocolVersion: "2025-06-18" }, "MCP-Protocol-Version"],
      [{ method: undefined }, "Mcp-Method"],
      [{ method: "tools/list" }, "Mcp-Method"],
      [{ name: undefined }, "Mcp-Name"],
      [{ name: "gh__other" }, "Mcp-Name"],
      [{ name: "=?base64?not base64?=" }, "Mcp-Name"],
    ];
    for (const [changed, header] of mismatches)
      expect(rejection(classifyPost(body, headers(changed), true))).toEqual({
        code: "HEADER_MISMATCH",
        rpc: -32020,
        header,
      });
  });

  it("lets a notification leave out the headers a request must carry", () => {
    const notification = { jsonrpc: "2.0" as const, method: "notifications/cancelled", params: { _meta: envelope() } };
    expect(classifyPost(notification, {}, false)).toMatchObject({ era: "modern" });
  });
});

describe("header values", () => {
  it("sends plain ASCII as it is and anything else base64-encoded, and reads both back", () => {
    for (const value of ["gh__search", "file:///tmp/a b", "naïve", " padded ", "=?base64?trap"]) {
      expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
    }
    expect(encodeHeaderValue("gh__search")).toBe("gh__search");
    expect(encodeHeaderValue("naïve")).toBe("=?base64?bmHDr3Zl?=");
  });

  it("derives a current-era request's headers from its body", () => {
    expect(modernRequestHeaders("resources/read", { uri: "file:///x" }, "2026-07-28")).toEqual({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "resources/read",
      "mcp-name": "file:///x",
    });
    expect(modernRequestHeaders("tools/list", undefined, "2026-07-28")).toEqual({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/list",
    });
  });
});

describe("results in each era's shape", () => {
  it("keeps everything of _meta but the envelope, a __proto__ key included", () => {
    const meta = JSON.parse(`{"${META.protocolVersion}":"2026-07-28","progressToken":"p","__proto__":{"x":1}}`);
    const kept = withoutEnvelope(meta);
    expect(Object.keys(kept)).toEqual(["progressToken", "__proto__"]);
  });

  it("gives current-era results a resultType, and cacheable ones cache hints", () => {
    expect(toModernResult("tools/call", { content: [] })).toEqual({ content: [], resultType: "complete" });
    expect(toModernResult("tools/list", { tools: [] })).toEqual({
      tools: [],
      resultType: "complete",
      ttlMs: 0,
      cacheScope: "private",
    });
    expect(toModernResult("tools/list", { tools: [], ttlMs: 500, cacheScope: "public" })).toMatchObject({
      ttlMs: 500,
      cacheScope: "public",
    });
    expect(toModernResult("tools/call", { resultType: "input_required", inputRequests: {} })).toEqual({
      resultType: "input_required",
      inputRequests: {},
    });
  });

  it("takes the current era's additions off a legacy client's result", () => {
    expect(toLegacyResult({ tools: [], resultType: "complete", ttlMs: 5, cacheScope: "private" })).toEqual({
      tools: [],
    });
    const plain = { content: [] };
    expect(toLegacyResult(plain)).toBe(plain);
  });

  it("takes what a current-era upstream put in _meta for its own hop off a legacy client's result", () => {
    const serverInfo = { "io.modelcontextprotocol/serverInfo": { name: "upstream", version: "1" } };
    expect(toLegacyResult({ content: [], _meta: { ...serverInfo, "acme/trace": "t1" } })).toEqual({
      content: [],
      _meta: { "acme/trace": "t1" },
    });
    expect(toLegacyResult({ content: [], resultType: "complete", _meta: serverInfo })).toEqual({ content: [] });
    const own = { content: [], _meta: { progressToken: 1 } };
    expect(toLegacyResult(own)).toBe(own);
  });
});
