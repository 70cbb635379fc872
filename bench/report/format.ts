// Plain-text table and number formatting shared by the report's sections. Formatting only.
import type { Measured } from "../measure/stats.js";

export type Row = string[];

export function table(header: Row, rows: Row[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: Row) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
export const signed = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(2)}` : "–");
export const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `×${(a / b).toFixed(2)}` : "–");
export const cpu = (m: Measured, role: string) => {
  const value = m.cpuMsPerRequest?.[role];
  return value === undefined ? "–" : f(value, 3);
};
export const share = (a: number, b: number) => (Number.isFinite(a / b) ? `${((a / b) * 100).toFixed(0)}%` : "–");
