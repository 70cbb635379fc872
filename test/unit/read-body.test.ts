import { describe, expect, it } from "vitest";
import { readBody } from "../../src/http/read-body.js";

const encoder = new TextEncoder();

/** What readBody looks at: the headers and the body stream. */
function requestWith(chunks: string[], options: { length?: number; then?: "end" | "hang" | "fail" } = {}): Request {
  const queue = chunks.map((chunk) => encoder.encode(chunk));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next) return controller.enqueue(next);
      if (options.then === "hang") return new Promise<void>(() => undefined);
      if (options.then === "fail") return controller.error(new Error("Network connection lost."));
      controller.close();
    },
  });
  const headers = new Headers(options.length === undefined ? {} : { "content-length": String(options.length) });
  return { headers, body } as unknown as Request;
}

describe("readBody", () => {
  it("reads a body that arrives in pieces", async () => {
    const read = await readBody(requestWith(['{"a":', "1}"]), 1024, 1000);
    expect(read.kind).toBe("read");
    if (read.kind === "read") expect(new TextDecoder().decode(read.bytes)).toBe('{"a":1}');
  });

  it("refuses a declared length over the limit without reading, and a longer undeclared body as it arrives", async () => {
    expect(await readBody(requestWith([], { length: 2048, then: "hang" }), 1024, 1000)).toEqual({ kind: "too-large" });
    expect(await readBody(requestWith(["x".repeat(600), "x".repeat(600)], { then: "hang" }), 1024, 1000)).toEqual({
      kind: "too-large",
    });
  });

  it("gives up on a body that does not end by the deadline", async () => {
    expect(await readBody(requestWith(["{"], { then: "hang" }), 1024, 50)).toEqual({ kind: "too-slow", bytesRead: 1 });
  });

  it("tells a body that broke off, or ended short of its Content-Length, from a whole one", async () => {
    expect(await readBody(requestWith(['{"a"'], { then: "fail" }), 1024, 1000)).toMatchObject({
      kind: "cut-short",
      bytesRead: 4,
      reason: expect.stringContaining("Network connection lost"),
    });
    expect(await readBody(requestWith(['{"a"'], { length: 100 }), 1024, 1000)).toMatchObject({
      kind: "cut-short",
      bytesRead: 4,
    });
  });
});
