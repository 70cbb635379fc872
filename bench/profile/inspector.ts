// A minimal DevTools-protocol client for workerd's inspector: connects to one worker's
// target and records a V8 CPU profile, or reads its JavaScript heap after a full garbage
// collection. Only what those need: no debugging, no console.

/** A V8 CPU profile, as Profiler.stop returns it and Chrome DevTools loads it (.cpuprofile). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Profiler {
  start(samplingIntervalUs: number): Promise<void>;
  stop(): Promise<CpuProfile>;
  close(): void;
}

/** Connects to `worker` (as workerd names it, e.g. `core:user:mcp-gateway`) on the inspector at `port`. */
export async function connectProfiler(port: number, worker: string): Promise<Profiler> {
  const { call, close } = await connect(port, worker);
  return {
    async start(samplingIntervalUs) {
      await call("Profiler.enable");
      await call("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
      await call("Profiler.start");
    },
    async stop() {
      const { profile } = (await call("Profiler.stop")) as { profile: CpuProfile };
      return profile;
    },
    close,
  };
}

/**
 * The JavaScript heap `worker`'s isolate uses (MiB) right after a full garbage collection:
 * what it keeps, as against the process's resident set, which also holds what V8 and
 * workerd have allocated and not given back.
 */
export async function heapAfterGc(port: number, worker: string): Promise<number> {
  const { call, close } = await connect(port, worker);
  try {
    await call("HeapProfiler.enable");
    await call("HeapProfiler.collectGarbage");
    const { usedSize } = (await call("Runtime.getHeapUsage")) as { usedSize: number };
    await call("HeapProfiler.disable");
    return usedSize / 2 ** 20;
  } finally {
    close();
  }
}

async function connect(port: number, worker: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/${worker}`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector of ${worker}`)), {
      once: true,
    });
  });
  let ids = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++ids;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => socket.close() };
}
