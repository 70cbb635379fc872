// The benchmark's options, from argv (`npm run bench -- --quick`) or BENCH_* environment
// variables; argv wins. Parsing only.
import { parseArgs } from "node:util";

export interface BenchOptions {
  quick: boolean;
  /** Instead of measuring: CPU-profile the gateway isolate under tools/call load. */
  profile: boolean;
  /** Seconds of measuring per single-upstream scenario (4 of them) and for warm aggregation. */
  seconds: number;
  /** Requests each concurrent client makes on one target before the next target's turn. */
  batch: number;
  /** Measured iterations of the cold aggregation. */
  coldIterations: number;
  /** Realistic tools the echo upstream lists besides `echo`. */
  extraTools: number;
  aggregatedUpstreams: number;
  /** Tools each aggregated upstream lists, `echo` included. */
  aggregatedTools: number;
  /** Upstreams answer with an event stream instead of JSON. */
  upstreamSse: boolean;
  /** The highest concurrency measured (the other is 1). */
  concurrency: number;
  /** Tools of the catalog search_tools is measured over. */
  searchTools: number;
  /** Scenarios to run: all unless `--only` names some. */
  only: ReadonlyArray<Scenario>;
}

export const SCENARIOS = ["calls", "aggregate", "discovery", "guards"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const USAGE = `npm run bench [-- options]
  --quick                 a ~20 s smoke run (short scenarios, few cold iterations)
  --profile               instead: CPU-profile the gateway isolate under tools/call, --seconds per era
  --seconds N             seconds per scenario (default 12; quick 1.5)           BENCH_SECONDS
  --batch N               requests per client per target turn (default 16)       BENCH_BATCH
  --cold-iterations N     cold aggregation iterations (default 20; quick 4)      BENCH_COLD_ITERATIONS
  --extra-tools N         realistic tools beside echo on the echo upstream (20)  BENCH_EXTRA_TOOLS
  --agg-upstreams N       upstreams aggregated (default 10)                      BENCH_AGG_UPSTREAMS
  --agg-tools N           tools per aggregated upstream (default 100)            BENCH_AGG_TOOLS
  --concurrency N         the high concurrency level (default 16)                BENCH_CONCURRENCY
  --search-tools N        tools of the catalog search_tools runs over (5000)     BENCH_SEARCH_TOOLS
  --only LIST             run only these scenarios (comma-separated: calls,      BENCH_ONLY
                          aggregate, discovery, guards); default all
  --upstream-sse          upstreams answer with event streams, not JSON          BENCH_UPSTREAM_SSE=1`;

export function readOptions(argv: string[] = process.argv.slice(2)): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      profile: { type: "boolean" },
      seconds: { type: "string" },
      batch: { type: "string" },
      "cold-iterations": { type: "string" },
      "extra-tools": { type: "string" },
      "agg-upstreams": { type: "string" },
      "agg-tools": { type: "string" },
      concurrency: { type: "string" },
      "search-tools": { type: "string" },
      only: { type: "string" },
      "upstream-sse": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const quick = values.quick ?? process.env["BENCH_QUICK"] === "1";
  const number = (flag: string | undefined, env: string, fallback: number, min: number): number => {
    const raw = flag ?? process.env[env];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`${env} / option: expected a number ≥ ${min}, got ${raw}`);
    return value;
  };
  return {
    quick,
    profile: values.profile ?? false,
    seconds: number(values.seconds, "BENCH_SECONDS", quick ? 1.5 : 12, 0.1),
    batch: Math.round(number(values.batch, "BENCH_BATCH", 16, 1)),
    coldIterations: Math.round(number(values["cold-iterations"], "BENCH_COLD_ITERATIONS", quick ? 4 : 20, 1)),
    extraTools: Math.round(number(values["extra-tools"], "BENCH_EXTRA_TOOLS", 20, 0)),
    aggregatedUpstreams: Math.round(number(values["agg-upstreams"], "BENCH_AGG_UPSTREAMS", 10, 1)),
    aggregatedTools: Math.round(number(values["agg-tools"], "BENCH_AGG_TOOLS", 100, 1)),
    concurrency: Math.round(number(values.concurrency, "BENCH_CONCURRENCY", 16, 2)),
    upstreamSse: values["upstream-sse"] ?? process.env["BENCH_UPSTREAM_SSE"] === "1",
    searchTools: Math.round(number(values["search-tools"], "BENCH_SEARCH_TOOLS", 5000, 2)),
    only: scenarios(values.only ?? process.env["BENCH_ONLY"]),
  };
}

function scenarios(raw: string | undefined): Scenario[] {
  if (raw === undefined || raw.trim() === "") return [...SCENARIOS];
  const named = raw.split(",").map((s) => s.trim());
  const unknown = named.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`--only / BENCH_ONLY: unknown scenario ${unknown.join(", ")}`);
  return SCENARIOS.filter((s) => named.includes(s));
}
