// What in a tool's definition reads as instructions smuggled to the model rather than a
// description for it ("tool poisoning"): text hidden from people (Unicode tag characters,
// zero-width and bidirectional control characters), tags that address the model
// (<IMPORTANT>, <system>), and the phrases such attacks use. A flag for an operator to
// look at, never a verdict: it changes nothing about the tool.
const MARKERS: ReadonlyArray<readonly [string, RegExp]> = [
  ["hidden Unicode tag characters", /[\u{E0000}-\u{E007F}]/u],
  ["zero-width characters", /[\u200B-\u200D\u2060-\u2064\uFEFF]/],
  ["bidirectional control characters", /[\u202A-\u202E\u2066-\u2069]/],
  ["a tag addressed to the model", /<\s*\/?\s*(?:important|system|instructions?|secret|admin)\s*>/i],
  [
    "'ignore previous instructions'",
    /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|other)\s+(?:instructions|prompts|rules|directions)/i,
  ],
  [
    "asks to keep something from the user",
    /\b(?:do\s+not|don't|never)\s+(?:tell|mention|inform|reveal\s+to|show)\s+(?:the\s+)?user/i,
  ],
  [
    "asks to read or send secrets",
    /\b(?:read|send|include|pass|upload)\b[^.]{0,60}(?:~\/\.ssh|id_rsa|\.env\b|api[_ -]?keys?|credentials|passwords?)/i,
  ],
];

/** The markers found anywhere in the definition's strings (description, title, schema descriptions). */
export function injectionMarkers(tool: Record<string, unknown>): string[] {
  const text = strings(tool).join("\n");
  return MARKERS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}

function strings(value: unknown, depth = 0): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null || depth > 32) return [];
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.flatMap((child) => strings(child, depth + 1));
}
