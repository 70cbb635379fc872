import { describe, expect, it } from "vitest";
import { classifyMessage, salvageId } from "../../src/mcp/jsonrpc.js";

describe("classifyMessage", () => {
  it("tells requests, notifications and responses apart", () => {
    expect(classifyMessage({ jsonrpc: "2.0", id: 1, method: "ping" })?.kind).toBe("request");
    expect(classifyMessage({ jsonrpc: "2.0", method: "notifications/initialized" })?.kind).toBe("notification");
    expect(classifyMessage({ jsonrpc: "2.0", id: "a", result: {} })?.kind).toBe("response");
    expect(classifyMessage({ jsonrpc: "2.0", id: null, error: { code: -1, message: "x" } })?.kind).toBe("response");
  });

  it.each([
    ["a string", "ping"],
    ["null", null],
    ["an array", []],
    ["the wrong version", { jsonrpc: "1.0", id: 1, method: "ping" }],
    ["a null request id", { jsonrpc: "2.0", id: null, method: "ping" }],
    ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "ping" }],
    ["an object id", { jsonrpc: "2.0", id: {}, method: "ping" }],
    ["array params", { jsonrpc: "2.0", id: 1, method: "ping", params: [1] }],
    ["an empty method", { jsonrpc: "2.0", id: 1, method: "" }],
    ["unknown members", { jsonrpc: "2.0", id: 1, method: "ping", extra: true }],
    ["both result and error", { jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "" } }],
  ])("rejects %s", (_label, value) => {
    expect(classifyMessage(value)).toBeUndefined();
  });

  it("keeps params untouched, including keys like __proto__", () => {
    const value = JSON.parse(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"x":1},"name":"t"}}',
    );
    const message = classifyMessage(value);
    expect(message?.kind).toBe("request");
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });
});

describe("salvageId", () => {
  it("reads a usable id off a malformed message, and null otherwise", () => {
    expect(salvageId({ id: 7, method: 3 })).toBe(7);
    expect(salvageId({ id: { nested: true } })).toBeNull();
    expect(salvageId("nope")).toBeNull();
  });
});
