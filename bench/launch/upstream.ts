// Starts bench/upstream/main.ts as a child Node process and waits for its URLs. One process
// serves every upstream (echo and agg-*): its memory is measured on its own, and the load
// generator's CPU and heap stay out of it. Stopping is by PID (SIGTERM, then SIGKILL).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../upstream/main.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface UpstreamProcessOptions {
  extraTools: number;
  aggregatedUpstreams: number;
  aggregatedTools: number;
  /** Answer with an event stream instead of application/json. */
  sse: boolean;
  /** Start the `echo` upstream (default true). */
  echo?: boolean;
  /** Tools of the `catalog` upstream (tool search); 0 or unset: no such upstream. */
  catalogTools?: number;
  /** Start the `pii` upstream (the guards scenario). */
  pii?: boolean;
}

export interface UpstreamProcess {
  pid: number;
  /** Upstream name (`echo`, `agg-0`, …, `catalog`) → MCP endpoint URL. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

export async function startUpstreamProcess(options: UpstreamProcessOptions): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      BENCH_EXTRA_TOOLS: String(options.extraTools),
      BENCH_AGG_UPSTREAMS: String(options.aggregatedUpstreams),
      BENCH_AGG_TOOLS: String(options.aggregatedTools),
      BENCH_UPSTREAM_SSE: options.sse ? "1" : "0",
      BENCH_ECHO: options.echo === false ? "0" : "1",
      BENCH_CATALOG_TOOLS: String(options.catalogTools ?? 0),
      BENCH_PII: options.pii ? "1" : "0",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  try {
    const urls = await new Promise<Record<string, string>>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on("line", (line) => {
        if (!line.startsWith('{"ready"')) return;
        resolve((JSON.parse(line) as { ready: Record<string, string> }).ready);
      });
      child.once("error", reject);
      child.once("exit", (code, signal) => reject(new Error(`upstream exited (${signal ?? code}):\n${stderr}`)));
    });
    return { pid: child.pid!, urls, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
