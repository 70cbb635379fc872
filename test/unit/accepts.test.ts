import { describe, expect, it } from "vitest";
import { accepts } from "../../src/http/post-body.js";

describe("accepts", () => {
  it.each([
    [undefined, "application/json", true],
    ["application/json, text/event-stream", "application/json", true],
    ["application/json, text/event-stream", "text/event-stream", true],
    ["text/event-stream", "application/json", false],
    ["*/*", "text/event-stream", true],
    ["application/*", "application/json", true],
    ["text/html", "application/json", false],
    ["application/json;q=0, text/event-stream", "application/json", false],
    ["APPLICATION/JSON", "application/json", true],
  ])("Accept %s allows %s: %s", (header, type, expected) => {
    expect(accepts(header, type)).toBe(expected);
  });
});
