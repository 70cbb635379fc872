// The upstream process: starts the `echo` upstream, the aggregation upstreams
// (`agg-0` … `agg-<n-1>`) and, when asked, the `pii` upstream for the guards scenario and the
// large `catalog` upstream for tool search, in
// this one Node process, prints their URLs as one JSON line on stdout, and serves until
// SIGTERM. Spawned by launch/upstream.ts; not meant to be run by hand.
import { startUpstream, type RunningUpstream } from "./server.js";
import { catalogTools, realisticTools } from "./tools.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const jsonResponse = process.env["BENCH_UPSTREAM_SSE"] !== "1";
const aggregated = env("BENCH_AGG_UPSTREAMS", 10);
const aggregatedTools = realisticTools(env("BENCH_AGG_TOOLS", 100) - 1);
const catalog = env("BENCH_CATALOG_TOOLS", 0);

const started: Array<[string, RunningUpstream]> = [];
if (process.env["BENCH_ECHO"] !== "0") {
  started.push([
    "echo",
    await startUpstream({ name: "echo", tools: realisticTools(env("BENCH_EXTRA_TOOLS", 0)), jsonResponse }),
  ]);
}
for (let i = 0; i < aggregated; i++) {
  const name = `agg-${i}`;
  // Every aggregation upstream lists `echo` plus the same realistic tools: 100 in all by default.
  started.push([name, await startUpstream({ name, tools: aggregatedTools, jsonResponse })]);
}
// For the guards scenario: `echo` and `customer_report`, about 10 KB of personal data a call.
if (process.env["BENCH_PII"] === "1")
  started.push(["pii", await startUpstream({ name: "pii", tools: [], jsonResponse, report: true })]);
// The search catalog: `echo` plus catalog tools, `BENCH_CATALOG_TOOLS` in all.
if (catalog > 0)
  started.push(["catalog", await startUpstream({ name: "catalog", tools: catalogTools(catalog - 1), jsonResponse })]);

process.stdout.write(`${JSON.stringify({ ready: Object.fromEntries(started.map(([n, u]) => [n, u.url])) })}\n`);

const stop = async () => {
  await Promise.allSettled(started.map(([, u]) => u.close()));
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
// The benchmark closes our stdin when it exits, even when it is killed: never outlive it.
process.stdin.resume();
process.stdin.once("end", () => void stop());
