// Captures the gateway's structured log lines (one JSON object per console line) so tests
// can check what was reported, and that no secret was written.
import { vi } from "vitest";

export interface LogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  /** Every console line, raw. */
  raw(): string[];
  /** The lines that are gateway log objects. */
  events(name?: string): LogLine[];
}

/** Spies on console.log/warn/error until vi.restoreAllMocks(). Lines are kept, not printed. */
export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  const record = (...args: unknown[]) => {
    raw.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  };
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation(record);
  }
  return {
    raw: () => [...raw],
    events: (name) =>
      raw.flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as LogLine;
          return typeof parsed.event === "string" && (name === undefined || parsed.event === name) ? [parsed] : [];
        } catch {
          return [];
        }
      }),
  };
}
