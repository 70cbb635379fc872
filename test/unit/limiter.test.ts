import { describe, expect, it } from "vitest";
import { Limiter, MAX_UPSTREAM_FETCHES } from "../../src/upstream/limiter.js";

describe("Limiter", () => {
  it("never runs more than six tasks at once, and runs them all", async () => {
    const limiter = new Limiter();
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const tasks = Array.from({ length: 20 }, (_, i) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return i;
      }),
    );
    while (release.length > 0 || running > 0) {
      await Promise.resolve();
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(MAX_UPSTREAM_FETCHES);
  });

  it("frees the slot of a task that throws", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
    expect(limiter.active).toBe(0);
  });
});
