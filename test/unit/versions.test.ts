import { describe, expect, it } from "vitest";
import { allowsBatches, negotiateVersion, LEGACY_PROTOCOL_VERSIONS } from "../../src/mcp/versions.js";

describe("version negotiation", () => {
  it.each(LEGACY_PROTOCOL_VERSIONS)("agrees to the client's supported version %s", (version) => {
    expect(negotiateVersion(version)).toBe(version);
  });

  it.each([["2024-11-05"], ["2099-01-01"], [undefined], [42]])("offers the latest for %s", (requested) => {
    expect(negotiateVersion(requested)).toBe("2025-11-25");
  });

  it("allows batches only in 2025-03-26", () => {
    expect(allowsBatches("2025-03-26")).toBe(true);
    expect(allowsBatches("2025-06-18")).toBe(false);
    expect(allowsBatches("2025-11-25")).toBe(false);
  });
});
