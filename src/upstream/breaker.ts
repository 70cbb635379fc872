// A circuit breaker per upstream, per isolate: after `failures` consecutive failures it
// opens and refuses at once for `openMs`; then it lets one probe through (half-open) and
// closes on its success or opens again on its failure. What counts as a failure is
// decided by the caller (http-exchange.ts); the breaker only counts.
import type { BreakerPolicy } from "../config/snapshot.js";
import type { BreakerState } from "../observe/ops-report.js";

export type { BreakerState };

/** Admission: go ahead (as the probe, when half-open), or wait this long. */
export type Admission = { admitted: true; probe: boolean } | { admitted: false; retryAfterMs: number };

/** While a probe is out, others are told to come back after about this long. */
const PROBE_WAIT_MS = 1000;

export class CircuitBreaker {
  #state: BreakerState = "closed";
  #consecutiveFailures = 0;
  #openedAt = 0;
  #probing = false;
  #changedAt: number;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly onChange: (state: BreakerState, at: number) => void = () => undefined,
    now: number = Date.now(),
  ) {
    this.#changedAt = now;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  get changedAt(): number {
    return this.#changedAt;
  }

  admit(now: number = Date.now()): Admission {
    if (this.#state === "closed") return { admitted: true, probe: false };
    if (this.#state === "open") {
      const waited = now - this.#openedAt;
      if (waited < this.policy.openMs) return { admitted: false, retryAfterMs: this.policy.openMs - waited };
      this.#set("half-open", now);
    }
    if (this.#probing) return { admitted: false, retryAfterMs: PROBE_WAIT_MS };
    this.#probing = true;
    return { admitted: true, probe: true };
  }

  succeeded(now: number = Date.now()): void {
    this.#consecutiveFailures = 0;
    this.#probing = false;
    if (this.#state !== "closed") this.#set("closed", now);
  }

  failed(now: number = Date.now()): void {
    this.#consecutiveFailures++;
    const probeFailed = this.#state === "half-open";
    this.#probing = false;
    if (probeFailed || (this.#state === "closed" && this.#consecutiveFailures >= this.policy.failures)) {
      this.#openedAt = now;
      this.#set("open", now);
    }
  }

  /** The request ended in a way that says nothing about the upstream (cancelled, refused a client error). */
  released(): void {
    this.#probing = false;
  }

  #set(state: BreakerState, at: number): void {
    this.#state = state;
    this.#changedAt = at;
    this.onChange(state, at);
  }
}

const breakers = new Map<string, CircuitBreaker>();

/** What this isolate's breaker for an upstream says now ("closed" when it has none). */
export function breakerState(server: string, url: string, policy: BreakerPolicy): BreakerState {
  return breakers.get(`${server}|${url}|${policy.failures}|${policy.openMs}`)?.state ?? "closed";
}

/** This isolate's breaker for an upstream; a new URL or policy starts a fresh one. */
export function breakerFor(
  server: string,
  url: string,
  policy: BreakerPolicy,
  onChange: (state: BreakerState, at: number) => void,
): CircuitBreaker {
  const key = `${server}|${url}|${policy.failures}|${policy.openMs}`;
  let breaker = breakers.get(key);
  if (!breaker) {
    for (const old of breakers.keys()) if (old.startsWith(`${server}|`)) breakers.delete(old);
    breakers.set(key, (breaker = new CircuitBreaker(policy, onChange)));
  }
  return breaker;
}
