// The nesting check that runs before JSON.parse: brackets inside strings (escaped quotes
// included) do not count, and depth is the deepest point, not the number of brackets.
import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../src/mcp/json-depth.js";

describe("nestsDeeperThan", () => {
  it("measures the deepest nesting of arrays and objects", () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan("[[],[],[],[]]", 2)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(nestsDeeperThan('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[[["}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\\\"}', 1)).toBe(false);
  });

  it("catches a hostile body at once, however long", () => {
    expect(nestsDeeperThan("[".repeat(1_000_000), 64)).toBe(true);
  });
});
