import { describe, expect, it } from "vitest";
import { advertisedCapabilities } from "../../src/gateway/capabilities.js";

describe("advertisedCapabilities", () => {
  it("always offers tools, and the rest only when some upstream can, with list changes relayed", () => {
    expect(advertisedCapabilities([])).toEqual({ tools: { listChanged: true } });
    expect(advertisedCapabilities([{ tools: {} }, { prompts: {}, logging: {} }])).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      logging: {},
    });
  });

  it("promises resource subscriptions only when an upstream supports them", () => {
    expect(advertisedCapabilities([{ resources: {} }, { completions: {} }])).toEqual({
      tools: { listChanged: true },
      resources: { listChanged: true },
      completions: {},
    });
    expect(advertisedCapabilities([{ resources: {} }, { resources: { subscribe: true } }])).toEqual({
      tools: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
    });
  });
});
