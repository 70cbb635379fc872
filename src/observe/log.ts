// Structured log lines: one JSON object per line on the Workers log, so `wrangler tail`
// and Workers Logs can filter on fields. Callers pass only non-secret fields.

export type LogLevel = "debug" | "info" | "warn" | "error";

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
