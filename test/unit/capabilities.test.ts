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

  it("offers resource subscriptions when any upstream does", () => {
    expect(unionCapabilities([{ resources: {} }, { resources: { subscribe: true } }, { completions: {} }])).toEqual({
      tools: {},
      resources: { subscribe: true },
      completions: {},
    });
    expect(unionCapabilities([{ resources: { subscribe: false } }])).toEqual({ tools: {}, resources: {} });
  });
});
