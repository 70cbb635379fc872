// The circuit breaker's states, driven by an explicit clock: closed until enough
// consecutive failures, open (refusing) for the open period, then one probe at a time.
import { describe, expect, it } from "vitest";
import { CircuitBreaker, type BreakerState } from "../../src/upstream/breaker.js";

const policy = { failures: 3, openMs: 1000 };

function breaker() {
  const changes: BreakerState[] = [];
  return { b: new CircuitBreaker(policy, (state) => changes.push(state), 0), changes };
}

describe("CircuitBreaker", () => {
  it("stays closed while failures are fewer than the threshold or interrupted by a success", () => {
    const { b } = breaker();
    b.failed(1);
    b.failed(2);
    b.succeeded(3);
    b.failed(4);
    b.failed(5);
    expect(b.state).toBe("closed");
    expect(b.admit(6)).toEqual({ admitted: true, probe: false });
  });

  it("opens after the threshold of consecutive failures and refuses, saying how long to wait", () => {
    const { b, changes } = breaker();
    for (let t = 1; t <= 3; t++) b.failed(t);
    expect(b.state).toBe("open");
    expect(changes).toEqual(["open"]);
    expect(b.admit(503)).toEqual({ admitted: false, retryAfterMs: 500 });
  });

  it("lets exactly one probe through after the open period, and closes when it succeeds", () => {
    const { b, changes } = breaker();
    for (let t = 1; t <= 3; t++) b.failed(t);
    expect(b.admit(1003)).toEqual({ admitted: true, probe: true });
    expect(b.state).toBe("half-open");
    expect(b.admit(1004)).toMatchObject({ admitted: false });
    b.succeeded(1005);
    expect(b.state).toBe("closed");
    expect(b.consecutiveFailures).toBe(0);
    expect(changes).toEqual(["open", "half-open", "closed"]);
  });

  it("opens again at once when the probe fails, for a whole new open period", () => {
    const { b } = breaker();
    for (let t = 1; t <= 3; t++) b.failed(t);
    b.admit(1003);
    b.failed(1010);
    expect(b.state).toBe("open");
    expect(b.admit(1500)).toEqual({ admitted: false, retryAfterMs: 510 });
    expect(b.admit(2010)).toEqual({ admitted: true, probe: true });
  });

  it("lets another probe through when the first one ended without a verdict (cancelled, 4xx)", () => {
    const { b } = breaker();
    for (let t = 1; t <= 3; t++) b.failed(t);
    b.admit(1003);
    b.released();
    expect(b.admit(1004)).toEqual({ admitted: true, probe: true });
  });
});
