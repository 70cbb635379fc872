import { describe, expect, it } from "vitest";
import { unionCapabilities } from "../../src/gateway/capabilities.js";

describe("unionCapabilities", () => {
  it("always offers tools, and the rest only when some upstream can", () => {
    expect(unionCapabilities([])).toEqual({ tools: {} });
    expect(unionCapabilities([{ tools: {} }, { prompts: { listChanged: true }, logging: {} }])).toEqual({
      tools: {},
      prompts: {},
      logging: {},
    });
  });

  it("does not promise resource subscriptions while updates are not relayed", () => {
    expect(unionCapabilities([{ resources: {} }, { resources: { subscribe: true } }, { completions: {} }])).toEqual({
      tools: {},
      resources: {},
      completions: {},
    });
  });
});
