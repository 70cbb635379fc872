import { describe, expect, it } from "vitest";
import { paginate } from "../../src/mcp/pagination.js";
import { GatewayError } from "../../src/mcp/errors.js";

const items = Array.from({ length: 7 }, (_, i) => i);

describe("paginate", () => {
  it("walks the whole list page by page through opaque cursors", () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, cursor, 3, "f1");
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it("has no nextCursor when everything fits", () => {
    expect(paginate(items, undefined, 7, "f1")).toEqual({ items });
  });

  it("refuses a cursor from a list that has changed since", () => {
    const { nextCursor } = paginate(items, undefined, 3, "f1");
    expect(() => paginate(items, nextCursor, 3, "f2")).toThrowError(/list changed/);
  });

  it.each([["garbage"], [42], [btoa('{"o":-1,"f":"f1"}')], [btoa('{"o":99,"f":"f1"}')], ["x".repeat(300)]])(
    "refuses the forged cursor %s with invalid params",
    (cursor) => {
      try {
        paginate(items, cursor, 3, "f1");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(GatewayError);
        expect((error as GatewayError).toJsonRpc().code).toBe(-32602);
      }
    },
  );
});
