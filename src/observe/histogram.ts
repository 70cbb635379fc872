// Latency histograms with fixed bucket bounds, so deltas from many isolates add up by
// summing counts. Percentiles are estimates: the upper bound of the bucket they fall in.

/** Upper bounds in ms; the last bucket takes everything slower. */
export const BUCKET_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000] as const;

export interface Latency {
  count: number;
  sumMs: number;
  maxMs: number;
  /** One count per bucket of BUCKET_BOUNDS_MS, plus one for slower. */
  buckets: number[];
}

export function emptyLatency(): Latency {
  return { count: 0, sumMs: 0, maxMs: 0, buckets: new Array<number>(BUCKET_BOUNDS_MS.length + 1).fill(0) };
}

export function observeLatency(into: Latency, ms: number): void {
  into.count++;
  into.sumMs += ms;
  into.maxMs = Math.max(into.maxMs, ms);
  let i = BUCKET_BOUNDS_MS.findIndex((bound) => ms <= bound);
  if (i === -1) i = BUCKET_BOUNDS_MS.length;
  into.buckets[i] = (into.buckets[i] ?? 0) + 1;
}

export function addLatency(into: Latency, from: Latency): void {
  into.count += from.count;
  into.sumMs += from.sumMs;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  from.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
}

/** The bucket bound at or under which `p` (0–1) of the observations fall; max for the last bucket. */
export function percentileMs(latency: Latency, p: number): number | undefined {
  if (latency.count === 0) return undefined;
  const rank = Math.ceil(p * latency.count);
  let seen = 0;
  for (let i = 0; i < latency.buckets.length; i++) {
    seen += latency.buckets[i] ?? 0;
    if (seen >= rank) return Math.min(BUCKET_BOUNDS_MS[i] ?? latency.maxMs, latency.maxMs);
  }
  return latency.maxMs;
}

/** What /status and /admin show of a histogram. */
export function summarizeLatency(latency: Latency) {
  return {
    count: latency.count,
    avgMs: latency.count === 0 ? undefined : Math.round((latency.sumMs / latency.count) * 10) / 10,
    p50Ms: percentileMs(latency, 0.5),
    p95Ms: percentileMs(latency, 0.95),
    p99Ms: percentileMs(latency, 0.99),
    maxMs: latency.count === 0 ? undefined : latency.maxMs,
  };
}
