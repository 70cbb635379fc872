// Guards read what passes through as JSON: every string value and every key, anywhere,
// except binary content (an image's or audio item's `data`, a resource's `blob`). Each
// distinct string is checked once; the matches are counted per guard and detector, and
// those of masking rules are remembered so the value can be rebuilt with placeholders.
// Only strings change in a masked value: numbers, booleans, nulls and the shape stay.
import type { GuardAction } from "../../config/guard-schema.js";
import { findMatches, masked, withoutOverlaps, type Match } from "./detectors.js";
import type { GuardRule } from "./guard-plan.js";

/** How many matches one guard's detector found, and what the guard does with them. */
export interface Hit {
  guard: string;
  detector: string;
  action: GuardAction;
  count: number;
}

export interface Scan {
  /** Every distinct string in the value (values and keys), in the order first met. */
  strings: readonly string[];
  hits: Map<string, Hit>;
  /** Per string, the matches of masking rules (not yet freed of overlaps). */
  toMask: Map<string, Match[]>;
}

/** Deeper values are not read: the caller refuses them rather than let them through unchecked. */
export const MAX_SCAN_DEPTH = 256;

/** The distinct strings of a value, or undefined when it is nested deeper than can be read. */
export function stringsIn(value: unknown): string[] | undefined {
  const found = new Set<string>();
  return collect(value, found, 0) ? [...found] : undefined;
}

function collect(value: unknown, found: Set<string>, depth: number): boolean {
  if (typeof value === "string") {
    found.add(value);
    return true;
  }
  if (typeof value !== "object" || value === null) return true;
  if (depth >= MAX_SCAN_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => collect(item, found, depth + 1));
  const binary = isBinaryItem(value);
  for (const [key, child] of Object.entries(value)) {
    found.add(key);
    if (key === "blob" || (binary && key === "data")) continue;
    if (!collect(child, found, depth + 1)) return false;
  }
  return true;
}

function isBinaryItem(value: object): boolean {
  const type = (value as Record<string, unknown>)["type"];
  return type === "image" || type === "audio";
}

export function newScan(strings: readonly string[]): Scan {
  return { strings, hits: new Map(), toMask: new Map() };
}

/** Runs the guards' built-in detectors over every string of the scan. */
export function applyRules(scan: Scan, rules: readonly GuardRule[]): void {
  for (const text of scan.strings) {
    for (const rule of rules) {
      const matches = findMatches(text, rule.detectors);
      if (matches.length > 0) note(scan, rule, text, matches);
    }
  }
}

/** Records matches found in one string by one guard's detector (built-in or an analyzer's). */
export function note(
  scan: Scan,
  rule: Pick<GuardRule, "guard" | "detector" | "action">,
  text: string,
  matches: readonly Match[],
): void {
  const key = `${rule.guard}\u0000${rule.detector}`;
  const hit = scan.hits.get(key);
  if (hit) hit.count += matches.length;
  else scan.hits.set(key, { guard: rule.guard, detector: rule.detector, action: rule.action, count: matches.length });
  if (rule.action !== "mask") return;
  const pending = scan.toMask.get(text);
  if (pending) pending.push(...matches);
  else scan.toMask.set(text, [...matches]);
}

/**
 * The value with each masked string replaced; undefined when two keys of one object would
 * become the same key (masking would merge them and lose one).
 */
export function maskedValue(value: unknown, toMask: ReadonlyMap<string, Match[]>): unknown {
  const replaced = new Map<string, string>();
  for (const [text, matches] of toMask) replaced.set(text, masked(text, withoutOverlaps(matches)));
  const merged = { happened: false };
  const out = rebuild(value, replaced, merged, 0);
  return merged.happened ? undefined : out;
}

function rebuild(value: unknown, replaced: ReadonlyMap<string, string>, merged: { happened: boolean }, depth: number) {
  if (typeof value === "string") return replaced.get(value) ?? value;
  if (typeof value !== "object" || value === null || depth >= MAX_SCAN_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item): unknown => rebuild(item, replaced, merged, depth + 1));
  const binary = isBinaryItem(value);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const newKey = replaced.get(key) ?? key;
    if (Object.hasOwn(out, newKey)) merged.happened = true;
    const skip = key === "blob" || (binary && key === "data");
    Object.defineProperty(out, newKey, {
      value: skip ? child : rebuild(child, replaced, merged, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
