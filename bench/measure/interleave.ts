// Runs the same workload against several targets in alternation: small batches, one target
// after another, the order rotated every round, so machine noise (other processes, GC, CPU
// frequency) falls on every target alike. It records latencies, and the CPU time the
// processes behind each target spent during its batches; summarising is stats.ts's job.
import { cpuMsOf } from "../launch/processes.js";

export interface Target {
  id: string;
  /** One request on behalf of client `slot` (0 … concurrency-1); resolves with its latency in ms. */
  run(slot: number): Promise<number>;
  /** Processes whose CPU time is charged to this target while its batches run, by role. */
  processes?: Record<string, number>;
}

export interface InterleaveOptions {
  concurrency: number;
  /** Requests each concurrent client makes in a batch, one after another. */
  perClient: number;
  /** Keep going for at least this long… */
  seconds: number;
  /** …and at least this many rounds. */
  minRounds: number;
  /** Rounds run first and thrown away (connections, JIT, caches). */
  warmupRounds: number;
}

export interface Recorded {
  latencies: number[];
  /** Summed wall time of this target's batches, for throughput. */
  wallMs: number;
  errors: number;
  firstError?: string;
  /** CPU ms each of the target's processes used during its batches (other load included). */
  cpuMs: Record<string, number>;
}

export async function interleave(
  targets: readonly Target[],
  options: InterleaveOptions,
): Promise<Map<string, Recorded>> {
  const recorded = new Map<string, Recorded>(
    targets.map((t) => [t.id, { latencies: [], wallMs: 0, errors: 0, cpuMs: {} }]),
  );
  const deadline = performance.now() + options.seconds * 1000;
  for (let round = 0; round < options.warmupRounds + options.minRounds || performance.now() < deadline; round++) {
    const keep = round >= options.warmupRounds;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length]!;
      const into = recorded.get(target.id)!;
      const processes = Object.entries(target.processes ?? {});
      const cpuBefore = await Promise.all(processes.map(([, pid]) => cpuMsOf(pid)));
      const batch = await runBatch(target, options.concurrency, options.perClient);
      const cpuAfter = await Promise.all(processes.map(([, pid]) => cpuMsOf(pid)));
      if (!keep) continue;
      processes.forEach(([role], p) => (into.cpuMs[role] = (into.cpuMs[role] ?? 0) + cpuAfter[p]! - cpuBefore[p]!));
      into.latencies.push(...batch.latencies);
      into.wallMs += batch.wallMs;
      into.errors += batch.errors.length;
      into.firstError ??= batch.errors[0];
    }
  }
  return recorded;
}

async function runBatch(target: Target, concurrency: number, perClient: number) {
  const latencies: number[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      for (let i = 0; i < perClient; i++) {
        try {
          latencies.push(await target.run(slot));
        } catch (error) {
          errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  return { latencies, errors, wallMs: performance.now() - started };
}
