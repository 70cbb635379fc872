import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/mcp/errors.js";
import { limitResult } from "../../src/gateway/guards/result-limit.js";
import type { Sent } from "../../src/gateway/upstreams.js";

const answer = (result: Record<string, unknown>): Sent => ({
  kind: "answered",
  response: { jsonrpc: "2.0", id: 1, result },
});
const resultOf = (sent: Sent) => (sent as { response: { result: Record<string, unknown> } }).response.result;
const size = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("maxResultBytes", () => {
  it("passes a result within the limit unchanged", () => {
    const sent = answer({ content: [{ type: "text", text: "short" }] });
    expect(limitResult(sent, "fx", "echo", 1024)).toBe(sent);
    expect(limitResult(sent, "fx", "echo", undefined)).toBe(sent);
  });

  it("cuts text content in order, ends it with a note, and fits the limit exactly or under", () => {
    const long = "é".repeat(3000) + "😀".repeat(500);
    const sent = answer({
      content: [
        { type: "text", text: long },
        { type: "text", text: "second" },
      ],
      isError: false,
    });
    const cut = resultOf(limitResult(sent, "fx", "echo", 2048));
    expect(size(cut)).toBeLessThanOrEqual(2048);
    expect(size(cut)).toBeGreaterThan(2048 - 16);
    const [first, second] = cut["content"] as Array<{ text: string }>;
    expect(long.startsWith(first!.text)).toBe(true);
    expect(second!.text).toMatch(
      /^\n\[cut by the gateway: the result was \d+ bytes, more than this server's maxResultBytes \(2048\)\]$/,
    );
    expect(cut["isError"]).toBe(false);
    // Never half a character: the cut text is well-formed.
    expect(first!.text).toBe(first!.text.normalize());
    expect(/[\uD800-\uDBFF]$/.test(first!.text)).toBe(false);
  });

  it("refuses a result whose structured content alone is over the limit, rather than cut it", () => {
    const big = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}` })) };
    const sent = answer({ content: [{ type: "text", text: JSON.stringify(big) }], structuredContent: big });
    expect(() => limitResult(sent, "fx", "report", 2048)).toThrow(GatewayError);
    try {
      limitResult(sent, "fx", "report", 2048);
    } catch (error) {
      expect((error as GatewayError).code).toBe("RESULT_TOO_LARGE");
      expect((error as GatewayError).details).toMatchObject({ server: "fx", name: "report", limit: 2048 });
    }
  });

  it("keeps structured content whole when cutting the text beside it is enough", () => {
    const small = { total: 3 };
    const sent = answer({ content: [{ type: "text", text: "x".repeat(5000) }], structuredContent: small });
    const cut = resultOf(limitResult(sent, "fx", "count", 1024));
    expect(cut["structuredContent"]).toEqual(small);
    expect(size(cut)).toBeLessThanOrEqual(1024);
  });

  it("refuses images too large to pass, and leaves errors and input requests alone", () => {
    const image = answer({ content: [{ type: "image", mimeType: "image/png", data: "A".repeat(5000) }] });
    expect(() => limitResult(image, "fx", "shot", 1024)).toThrow(/RESULT_TOO_LARGE|maxResultBytes/);
    const error: Sent = {
      kind: "answered",
      response: { jsonrpc: "2.0", id: 1, error: { code: -1, message: "x".repeat(5000) } },
    };
    expect(limitResult(error, "fx", "echo", 1024)).toBe(error);
  });
});
