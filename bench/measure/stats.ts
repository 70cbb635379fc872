// Summaries of measured latencies: percentiles, throughput, CPU per request. Pure.
import type { Recorded } from "./interleave.js";

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** Requests per second over the time the batches ran (not the sum of latencies). */
  throughput: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latencies: readonly number[], wallMs: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
    max: sorted.at(-1) ?? NaN,
    throughput: wallMs > 0 ? (sorted.length / wallMs) * 1000 : NaN,
  };
}

/** A target's numbers as reported: summary, failed requests, CPU per request. */
export interface Measured extends Summary {
  errors: number;
  firstError?: string;
  /** CPU ms per answered request, by process role, over this target's batches (other load included). */
  cpuMsPerRequest?: Record<string, number>;
}

export function measuredOf(r: Recorded): Measured {
  const count = r.latencies.length;
  const cpu = Object.entries(r.cpuMs);
  return {
    ...summarize(r.latencies, r.wallMs),
    errors: r.errors,
    ...(r.firstError ? { firstError: r.firstError } : {}),
    ...(cpu.length > 0 ? { cpuMsPerRequest: Object.fromEntries(cpu.map(([role, ms]) => [role, ms / count])) } : {}),
  };
}

/** Samples timed one by one, with no batches: no throughput. */
export function measuredOfSamples(values: readonly number[]): Measured {
  return { ...summarize(values, 0), errors: 0 };
}
