// Starts one Miniflare instance (one workerd process) on 127.0.0.1, and remembers that
// process's PID so its memory can be read. What runs in it is the caller's business.
import { Miniflare, type MiniflareOptions, type WorkerdStructuredLog } from "miniflare";
import { newWorkerdPid } from "./processes.js";

export interface Workerd {
  mf: Miniflare;
  /** Miniflare's entry URL: through its entry worker to the first worker, with no `wrangler dev` proxy. */
  origin: URL;
  pid: number | undefined;
  /** Lines the Workers logged (console.*), counted; the last few kept for error reports. */
  logs: Logs;
  stop(): Promise<void>;
}

export interface Logs {
  count: number;
  last: string[];
  /** From now on, counts the lines that contain `text`: call the returned function to read the count. */
  watch(text: string): () => number;
}

/** Starts are serialised: a new workerd is told apart from the others by being the only new child. */
let starting: Promise<unknown> = Promise.resolve();

/** `inspectorPort`: open workerd's DevTools inspector there (for CPU profiles). */
export function startWorkerd(workers: MiniflareOptions["workers"], inspectorPort?: number): Promise<Workerd> {
  const started = starting.then(() => start(workers, inspectorPort));
  starting = started.catch(() => undefined);
  return started;
}

async function start(workers: MiniflareOptions["workers"], inspectorPort: number | undefined): Promise<Workerd> {
  const watched = new Map<string, number>();
  const logs: Logs = {
    count: 0,
    last: [],
    watch(text) {
      watched.set(text, 0);
      return () => watched.get(text) ?? 0;
    },
  };
  const onLog = (log: WorkerdStructuredLog) => {
    logs.count++;
    logs.last.push(`${log.level}: ${log.message}`);
    if (logs.last.length > 20) logs.last.shift();
    for (const [text, seen] of watched) if (log.message.includes(text)) watched.set(text, seen + 1);
  };
  let mf: Miniflare | undefined;
  try {
    const { started: origin, pid } = await newWorkerdPid(() => {
      mf = new Miniflare({
        host: "127.0.0.1",
        port: 0,
        enableDevRegistry: false,
        logRequests: false,
        telemetry: { enabled: false },
        handleStructuredLogs: onLog,
        ...(inspectorPort !== undefined ? { inspectorPort, inspectorHost: "127.0.0.1" } : {}),
        workers,
      });
      return mf.ready;
    });
    const running = mf!;
    return { mf: running, origin, pid, logs, stop: () => running.dispose() };
  } catch (error) {
    await mf?.dispose().catch(() => undefined);
    throw error;
  }
}
