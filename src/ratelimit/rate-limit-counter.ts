// RateLimitCounter: one Durable Object per agent with rate limits. Every session and
// isolate of that agent asks the same object, which counts exactly (gcra.ts) and keeps
// its counters in storage, so an eviction does not reset them. It knows buckets, not
// configuration: rate-limits.ts decides which buckets a request fills.
import { DurableObject } from "cloudflare:workers";
import { admit, type Bucket } from "./gcra.js";

export type TakeResult = { allowed: true } | { allowed: false; bucket: Bucket; retryAfterMs: number };

export class RateLimitCounter extends DurableObject<Env> {
  /** Counts one request against every bucket, or against none if any is full. */
  take(buckets: Bucket[]): TakeResult {
    const now = Date.now();
    const kv = this.ctx.storage.kv;
    const verdict = admit(buckets, (key) => kv.get<number>(key), now);
    if (!verdict.allowed) return verdict;
    for (const [key, tat] of verdict.updates) kv.put(key, tat);
    return { allowed: true };
  }
}
