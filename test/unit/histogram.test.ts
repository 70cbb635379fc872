// Latency histograms add up across isolates, and their percentiles are bucket bounds.
import { describe, expect, it } from "vitest";
import {
  addLatency,
  emptyLatency,
  observeLatency,
  percentileMs,
  summarizeLatency,
} from "../../src/observe/histogram.js";

describe("latency histograms", () => {
  it("estimates percentiles by bucket bound, never above the slowest observation", () => {
    const h = emptyLatency();
    for (const ms of [1, 1, 1, 1, 3, 3, 3, 3, 3, 40]) observeLatency(h, ms);
    expect(percentileMs(h, 0.5)).toBe(5);
    expect(percentileMs(h, 0.99)).toBe(40);
    expect(summarizeLatency(h)).toMatchObject({ count: 10, maxMs: 40, avgMs: 5.9 });
  });

  it("adds histograms from two isolates into what one would have seen", () => {
    const a = emptyLatency();
    const b = emptyLatency();
    const both = emptyLatency();
    for (const ms of [2, 7, 300]) {
      observeLatency(a, ms);
      observeLatency(both, ms);
    }
    for (const ms of [60_000, 0.5]) {
      observeLatency(b, ms);
      observeLatency(both, ms);
    }
    addLatency(a, b);
    expect(a).toEqual(both);
  });

  it("has no percentiles before any observation", () => {
    expect(summarizeLatency(emptyLatency())).toMatchObject({ count: 0, p50Ms: undefined, maxMs: undefined });
  });
});
