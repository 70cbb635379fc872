// Finds the processes the benchmark measures and reads their memory from /proc (Linux only):
// workerd children of this process, and any PID's resident set. It starts and stops nothing.
import { readdir, readFile } from "node:fs/promises";

export interface Memory {
  /** Resident set size now, in MiB (VmRSS). */
  rssMiB: number;
  /** The largest resident set so far, in MiB (VmHWM). */
  peakMiB: number;
}

/** PIDs of this process's children whose command is `name`. */
export async function childPids(name: string, parent = process.pid): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the parenthesised command: state, ppid, …; the command may contain spaces.
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match && match[1] === name && Number(match[2]) === parent) pids.push(Number(entry));
  }
  return pids;
}

/** The one workerd child that `start` brings up (by the difference in children before and after). */
export async function newWorkerdPid<T>(start: () => Promise<T>): Promise<{ started: T; pid: number | undefined }> {
  const before = new Set(await childPids("workerd"));
  const started = await start();
  const fresh = (await childPids("workerd")).filter((pid) => !before.has(pid));
  return { started, pid: fresh.length === 1 ? fresh[0] : undefined };
}

export async function memoryOf(pid: number | undefined): Promise<Memory | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  if (status === undefined) return undefined;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

/** CPU time a process has used so far, in ms, summed over its threads (schedstat: ns resolution). */
export async function cpuMsOf(pid: number): Promise<number> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  let ns = 0;
  for (const task of tasks) {
    const schedstat = await readFile(`/proc/${pid}/task/${task}/schedstat`, "utf8").catch(() => "0");
    ns += Number(schedstat.split(" ")[0]);
  }
  return ns / 1e6;
}

/** Role → PID, without the roles whose PID was not found. */
export function known(pids: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).filter((entry): entry is [string, number] => entry[1] !== undefined));
}
