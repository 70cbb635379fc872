// The gateway's JSON writer must write exactly what JSON.stringify writes, reused texts
// included, for any value: it only saves the work of serializing the same array twice.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonText, reuseJsonText } from "../../src/mcp/json-text.js";

describe("jsonText", () => {
  it("writes what JSON.stringify writes, for any JSON value and any arrays marked reusable", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, mark) => {
        const marked = mark ? markArrays(value) : value;
        expect(jsonText(marked)).toBe(JSON.stringify(marked) ?? "null");
        // The second time comes from the kept texts.
        expect(jsonText(marked)).toBe(JSON.stringify(marked) ?? "null");
      }),
    );
  });

  it("leaves out what JSON.stringify leaves out, and honours toJSON", () => {
    const value = {
      a: undefined,
      f: () => 1,
      s: Symbol("x"),
      list: [undefined, () => 1, 1],
      when: new Date(0),
      custom: { toJSON: () => "custom" },
      gone: { toJSON: () => undefined },
      ["__proto__"]: 1,
    };
    Object.defineProperty(value, "__proto__", { value: { own: true }, enumerable: true });
    expect(jsonText(value)).toBe(JSON.stringify(value));
    expect(jsonText(undefined)).toBe("null");
  });

  it("reuses a marked array's text in every answer that carries it", () => {
    const tools = reuseJsonText([{ name: "a" }, { name: "b" }]);
    const first = jsonText({ jsonrpc: "2.0", id: 1, result: { tools } });
    const second = jsonText({ jsonrpc: "2.0", id: 2, result: { tools, nextCursor: "x" } });
    expect(first).toBe('{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"},{"name":"b"}]}}');
    expect(second).toBe('{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"a"},{"name":"b"}],"nextCursor":"x"}}');
  });
});

/** The value with every array in it marked reusable. */
function markArrays(value: unknown): unknown {
  if (Array.isArray(value)) return reuseJsonText(value.map(markArrays));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: markArrays(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
