// Retries of idempotent upstream requests: only transient faults, at most `retries`
// more attempts, with growing backoff, never past the request's own time budget.
import { describe, expect, it } from "vitest";
import { backoffMs, withRetries } from "../../src/upstream/retry.js";
import { errors } from "../../src/mcp/errors.js";

const transient = () => errors.serverUnavailable("s", "connection failed").markTransient();
const noSleep = async () => undefined;

describe("withRetries", () => {
  it("retries a transient fault and returns the later success", async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw transient();
        return "ok";
      },
      10_000,
      2,
      undefined,
      noSleep,
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after `retries` extra attempts with the last error", async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw transient();
    };
    await expect(withRetries(attempt, 10_000, 2, undefined, noSleep)).rejects.toMatchObject({
      code: "SERVER_UNAVAILABLE",
    });
    expect(calls).toBe(3);
  });

  it("does not retry what is not transient: a timeout, a 4xx, an open breaker", async () => {
    for (const error of [
      errors.timeout("s", 100),
      errors.upstreamError("s", "answered HTTP 400", { status: 400 }),
      errors.circuitOpen("s", 1000),
    ]) {
      let calls = 0;
      const attempt = async () => {
        calls++;
        throw error;
      };
      await expect(withRetries(attempt, 10_000, 2, undefined, noSleep)).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it("does not retry once the client cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw transient();
    };
    await expect(withRetries(attempt, 10_000, 2, controller.signal, noSleep)).rejects.toBeDefined();
    expect(calls).toBe(1);
  });

  it("does not start a retry the time budget cannot hold, and gives later attempts only the time left", async () => {
    const budgets: number[] = [];
    const attempt = async (timeoutMs: number) => {
      budgets.push(timeoutMs);
      throw transient();
    };
    await expect(withRetries(attempt, 150, 5, undefined, noSleep)).rejects.toBeDefined();
    expect(budgets[0]).toBe(150);
    // Every retry needs 100 ms plus its backoff (at least 50 ms) of the 150: at most one.
    expect(budgets.length).toBeLessThanOrEqual(2);
    for (const budget of budgets.slice(1)) expect(budget).toBeLessThanOrEqual(150);
  });
});

describe("backoffMs", () => {
  it("doubles from 100 ms, caps at 1 s, and jitters between half and all of that", () => {
    expect(backoffMs(0, () => 1)).toBe(100);
    expect(backoffMs(0, () => 0)).toBe(50);
    expect(backoffMs(2, () => 1)).toBe(400);
    expect(backoffMs(10, () => 1)).toBe(1000);
  });
});
