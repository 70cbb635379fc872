// A guard's external analyzer, spoken to as Presidio's analyzer REST API: POST
// <url>/analyze with { text, language, entities, score_threshold }, answered with
// [{ entity_type, start, end, score }]. All strings of a value go in one request, joined
// by blank lines; findings are mapped back to the string they fall in (offsets are in
// Unicode code points, as Python counts them). Answers within the guard's timeout or not
// at all: a failure is a value, and the guard's `onError` says what follows.
import type { Match } from "./detectors.js";
import type { GuardProvider } from "./guard-plan.js";

const SEPARATOR = "\n\n";

export interface Finding {
  text: string;
  match: Match;
}

export type Analysis = { ok: true; findings: Finding[] } | { ok: false; reason: string };

interface PresidioResult {
  entity_type: string;
  start: number;
  end: number;
  score: number;
}

export async function analyze(provider: GuardProvider, strings: readonly string[]): Promise<Analysis> {
  const { url, language, scoreThreshold, timeoutMs, entities } = provider.provider;
  const joined = strings.join(SEPARATOR);
  let results: unknown;
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/analyze`, {
      method: "POST",
      headers: { ...provider.headers, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        text: joined,
        language,
        entities: Object.keys(entities),
        score_threshold: scoreThreshold,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `the analyzer answered HTTP ${response.status}` };
    }
    results = await response.json();
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      ok: false,
      reason: timedOut ? `no answer from the analyzer within ${timeoutMs} ms` : "analyzer unreachable",
    };
  }
  if (!Array.isArray(results) || !results.every(isResult))
    return { ok: false, reason: "the analyzer's answer is not a list of findings" };
  return { ok: true, findings: mapBack(results, strings, joined, provider) };
}

function isResult(value: unknown): value is PresidioResult {
  const r = value as PresidioResult;
  return (
    typeof value === "object" &&
    value !== null &&
    typeof r.entity_type === "string" &&
    Number.isInteger(r.start) &&
    Number.isInteger(r.end) &&
    typeof r.score === "number"
  );
}

/** Each finding in the string it falls in, with offsets in that string's UTF-16 units; those across strings are dropped. */
function mapBack(
  results: readonly PresidioResult[],
  strings: readonly string[],
  joined: string,
  provider: GuardProvider,
) {
  const toUnits = codePointToUnit(joined);
  const starts: number[] = [];
  let at = 0;
  for (const text of strings) {
    starts.push(at);
    at += text.length + SEPARATOR.length;
  }
  const findings: Finding[] = [];
  const { entities, scoreThreshold } = provider.provider;
  for (const result of results) {
    if (!Object.hasOwn(entities, result.entity_type) || result.score < scoreThreshold) continue;
    const start = toUnits(result.start);
    const end = toUnits(result.end);
    const index = lastAtOrBefore(starts, start);
    const text = strings[index];
    if (text === undefined || end <= start || end > starts[index]! + text.length) continue;
    const match = {
      detector: `presidio:${result.entity_type}`,
      kind: result.entity_type,
      start: start - starts[index]!,
      end: end - starts[index]!,
    };
    findings.push({ text, match });
  }
  return findings;
}

/** Maps a code-point offset in `text` to its UTF-16 offset (the identity when there are no surrogate pairs). */
function codePointToUnit(text: string): (offset: number) => number {
  if (!/[\uD800-\uDBFF]/.test(text)) return (offset) => offset;
  const units: number[] = [];
  let unit = 0;
  for (const char of text) {
    units.push(unit);
    unit += char.length;
  }
  units.push(unit);
  return (offset) => units[Math.min(Math.max(offset, 0), units.length - 1)]!;
}

function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (sorted[mid]! <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}
