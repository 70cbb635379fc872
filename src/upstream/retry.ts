// Retries for idempotent upstream requests: only lists and reads, only after a fault
// marked transient (no connection, 502/503/504, another 5xx, a stream cut short), with
// exponential backoff and jitter, and never past the request's own timeout. Calls are
// never retried here: a tool may not be safe to run twice.
import { GatewayError } from "../mcp/errors.js";
import { clientMethod } from "../mcp/methods.js";

/** Lists, reads and gets: safe to send again (the registry says which). */
export function isIdempotent(method: string): boolean {
  return clientMethod(method)?.idempotent === true;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1000;
/** A retry is not worth starting with less time than this left. */
const MIN_ATTEMPT_MS = 100;

/** Runs `attempt` with the time left, retrying transient faults up to `retries` times. */
export async function withRetries<T>(
  attempt: (timeoutMs: number) => Promise<T>,
  timeoutMs: number,
  retries: number,
  signal?: AbortSignal,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt(tries === 0 ? timeoutMs : Math.max(MIN_ATTEMPT_MS, deadline - Date.now()));
    } catch (error) {
      if (tries >= retries || signal?.aborted || !isTransient(error)) throw error;
      const wait = backoffMs(tries);
      if (deadline - Date.now() - wait < MIN_ATTEMPT_MS) throw error;
      await sleep(wait);
    }
  }
}

/** 100, 200, 400 … ms, capped at 1 s, each scaled by a random 50–100% so retries spread out. */
export function backoffMs(tries: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** tries);
  return Math.round(base * (0.5 + random() / 2));
}

/** Marked so where it was raised (see http-exchange.ts): unreachable, 5xx, a cut stream. */
export function isTransient(error: unknown): boolean {
  return error instanceof GatewayError && error.transient;
}
