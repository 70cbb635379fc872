// Exact rate limiting by the generic cell rate algorithm: each bucket remembers one
// number, the theoretical arrival time (TAT) of its next request. `limit` requests fit
// in any `windowMs`, spread or all at once; the next one is told exactly when it fits.
// Pure: storage is the caller's (rate-limit-counter.ts).

export interface Bucket {
  /** Identifies the counter: who, what, and the limit itself (a changed limit starts afresh). */
  key: string;
  limit: number;
  windowMs: number;
  /** For the error message: `agent 'x'`, `tool 'github/create_issue' of agent 'x'`. */
  what: string;
  scope: "agent" | "tool";
  agent: string;
  tool?: string;
}

export type Verdict =
  { allowed: true; updates: Array<[string, number]> } | { allowed: false; bucket: Bucket; retryAfterMs: number };

/** Admits a request only if every bucket has room; then `updates` are the new TATs to store. */
export function admit(buckets: readonly Bucket[], tatOf: (key: string) => number | undefined, now: number): Verdict {
  const updates: Array<[string, number]> = [];
  for (const bucket of buckets) {
    const interval = bucket.windowMs / bucket.limit;
    const next = Math.max(tatOf(bucket.key) ?? now, now) + interval;
    if (next - now > bucket.windowMs) {
      return { allowed: false, bucket, retryAfterMs: Math.ceil(next - now - bucket.windowMs) };
    }
    updates.push([bucket.key, next]);
  }
  return { allowed: true, updates };
}
