// What guards look for in text: personal data (email, phone, payment card, IBAN, IP
// address), secrets (cloud and SaaS keys and tokens, JWTs, private key blocks, Bearer
// values), and an operator's own patterns. Each detector finds candidates by shape and
// keeps only those that pass its checks (Luhn and issuer prefixes, IBAN check digits,
// octet ranges), so dates, version numbers and order ids are not taken for cards; phone
// numbers are checked against Google's numbering plans as libphonenumber-js ships them
// (phone-numbers.ts; a regular expression cannot tell a phone number from an order id).
// Pure: which detectors apply, and what is done with a match, is the guard's business.
import type { CountryCode } from "libphonenumber-js/max";
import { cardNumber, ibanValid } from "./checksums.js";
import { isValidPhone } from "./phone-numbers.js";

export const BUILT_IN_DETECTORS = ["email", "phone", "credit_card", "iban", "ip", "secret"] as const;
export type BuiltInDetector = (typeof BUILT_IN_DETECTORS)[number];

export interface Match {
  /** The detector that found it: a built-in's name, or `custom`. */
  detector: string;
  /** What it is, as a placeholder names it: EMAIL, PHONE, CREDIT_CARD, IBAN, IP, SECRET, or a custom kind. */
  kind: string;
  start: number;
  end: number;
}

/** A detector: candidates by shape and the check a candidate must pass, or a finder of its own. */
export type Detector = { name: string; kind: string } & (
  | { pattern: RegExp; gate?: (text: string) => boolean; accept?: (candidate: string) => boolean }
  | { find: (text: string) => Array<{ start: number; end: number }> }
);

const IPV6_GATE = /:[0-9A-Fa-f]{0,4}:/;

/** A secret's shape, run only over texts that hold one of its literal markers (a cheap substring search). */
function secret(pattern: RegExp, ...markers: string[]): Detector {
  return { name: "secret", kind: "SECRET", pattern, gate: (text) => markers.some((marker) => text.includes(marker)) };
}

const BUILT_IN: Record<BuiltInDetector, Detector[]> = {
  email: [{ name: "email", kind: "EMAIL", find: emails }],
  // Found by libphonenumber-js, in the region the options name: see phoneFinder.
  phone: [],
  credit_card: [
    {
      name: "credit_card",
      kind: "CREDIT_CARD",
      pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
      accept: (candidate) => cardNumber(candidate.replace(/[ -]/g, "")),
    },
  ],
  iban: [
    {
      name: "iban",
      kind: "IBAN",
      pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
      accept: (candidate) => ibanValid(candidate.replace(/ /g, "")),
    },
  ],
  ip: [
    {
      name: "ip",
      kind: "IP",
      pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)/g,
      accept: (candidate) => candidate.split(".").every((octet) => Number(octet) <= 255 && !/^0\d/.test(octet)),
    },
    {
      name: "ip",
      kind: "IP",
      pattern: /(?<![\w:.])(?=[0-9A-Fa-f]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?![\w:])/g,
      // Two colons with at most hex digits between them, or no pattern run over the text at all.
      gate: (text) => IPV6_GATE.test(text),
      accept: ipv6,
    },
  ],
  secret: [
    secret(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "AKIA", "ASIA"),
    secret(/\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    secret(/\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g, "github_pat_"),
    secret(/\bxox[abposr]-[A-Za-z0-9-]{10,255}/g, "xox"),
    secret(/\bAIza[0-9A-Za-z_-]{35}\b/g, "AIza"),
    secret(/\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,255}\b/g, "k_live_", "k_test_"),
    secret(/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g, "eyJ"),
    secret(/-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----/g, "-----BEGIN"),
    secret(/\bBearer[ \t]+[A-Za-z0-9._~+/-]{8,}=*/g, "Bearer"),
  ],
};

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

const isAlphanumeric = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
/** `.`, `_`, `%`, `+`, `-`: what a local part may hold beside letters and digits. */
const inLocalPart = (code: number) =>
  isAlphanumeric(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
/** `.` and `-` beside letters and digits. */
const inDomain = (code: number) => isAlphanumeric(code) || code === 46 || code === 45;

/**
 * Addresses around each `@`, grown left over what a local part may hold and right over what
 * a domain may hold: linear in the text, where one regular expression over a long text
 * without an `@` would try every starting point.
 */
function emails(text: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && inLocalPart(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && end - at < 255 && inDomain(text.charCodeAt(end))) end++;
    while (end > at + 1 && !isLetter(text.charCodeAt(end - 1))) end--; // a trailing dot or hyphen ends a sentence
    if (EMAIL.test(text.slice(start, end))) found.push({ start, end });
  }
  return found;
}

/**
 * Phone-number candidates: an optional `+` and a bracketed area code, then digits in groups
 * split by single spaces, dots or hyphens. Dates with slashes, and the digits of longer
 * tokens (ORD-2024-000123, id_2024000123, 10.0.19045.1), are never candidates.
 */
const PHONE_CANDIDATE = /(?<![\w+./-])(?:\+ ?)?(?:\(\d{1,5}\) ?)?\d(?:[ .-]?\d){5,16}(?![\w/-]|\.\d)/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * Phone numbers valid for their country (national ones read as of `region`), standing
 * alone as words: candidates with 7 to 15 digits (E.164's range) that are not dates, checked
 * against the country's numbering plan (phone-numbers.ts).
 */
function phoneFinder(region: CountryCode): Detector {
  const verdicts = phoneVerdictsFor(region);
  return {
    name: "phone",
    kind: "PHONE",
    pattern: PHONE_CANDIDATE,
    accept: (candidate) => {
      const digits = digitCount(candidate);
      if (digits < 7 || digits > 15 || ISO_DATE.test(candidate) || versionLike(candidate)) return false;
      let valid = verdicts.get(candidate);
      if (valid === undefined) {
        valid = isValidPhone(candidate, region);
        if (verdicts.size >= MAX_PHONE_VERDICTS) verdicts.clear();
        verdicts.set(candidate, valid);
      }
      return valid;
    },
  };
}

function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}

/** Dotted groups of one digit, or more than four: a version or an address (2026.11.3, 10.1.20.7), not 415.555.2671. */
function versionLike(candidate: string): boolean {
  if (!candidate.includes(".")) return false;
  const groups = candidate.split(/[ .-]/);
  return groups.length > 4 || groups.some((group) => group.replace(/\D/g, "").length < 2);
}

/** Verdicts per isolate and region: values repeat within and across results (the same customer, the same account). */
const phoneVerdicts = new Map<string, Map<string, boolean>>();
const MAX_PHONE_VERDICTS = 4096;

function phoneVerdictsFor(region: string): Map<string, boolean> {
  let verdicts = phoneVerdicts.get(region);
  if (!verdicts) phoneVerdicts.set(region, (verdicts = new Map()));
  return verdicts;
}

/** An IPv6 address: eight groups of 1-4 hex digits, or fewer around one `::`. */
function ipv6(candidate: string): boolean {
  const halves = candidate.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

/** An operator's own pattern, under the kind its placeholder names. */
export interface CustomPattern {
  kind: string;
  pattern: string;
}

export interface DetectorOptions {
  /** Custom patterns, for the `custom` detector. */
  custom?: readonly CustomPattern[];
  /** The country whose national format phone numbers without a `+` are read in (default US). */
  phoneRegion?: CountryCode;
}

/** The detectors of these names (and the custom patterns), ready to run. */
export function detectorsFor(names: readonly string[], options: DetectorOptions = {}): Detector[] {
  const detectors = names.flatMap((name) => (Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name as BuiltInDetector] : []));
  if (names.includes("phone")) detectors.push(phoneFinder(options.phoneRegion ?? "US"));
  const custom = options.custom ?? [];
  if (names.includes("custom"))
    for (const { kind, pattern } of custom)
      detectors.push({ name: "custom", kind, pattern: new RegExp(pattern, "gu") });
  return detectors;
}

/**
 * Every match of these detectors in `text`, in order, without overlaps: where two overlap,
 * the one that starts first wins, and of those the longer.
 */
export function findMatches(text: string, detectors: readonly Detector[]): Match[] {
  const found: Match[] = [];
  for (const detector of detectors) {
    if ("find" in detector) {
      for (const { start, end } of detector.find(text))
        found.push({ detector: detector.name, kind: detector.kind, start, end });
      continue;
    }
    if (detector.gate && !detector.gate(text)) continue;
    for (const hit of text.matchAll(detector.pattern)) {
      const candidate = hit[0];
      if (candidate.length === 0 || (detector.accept && !detector.accept(candidate))) continue;
      found.push({ detector: detector.name, kind: detector.kind, start: hit.index, end: hit.index + candidate.length });
    }
  }
  return withoutOverlaps(found);
}

/** Matches in order, the first and longest kept where they overlap. */
export function withoutOverlaps(matches: readonly Match[]): Match[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Match[] = [];
  for (const match of sorted) if (kept.length === 0 || match.start >= kept[kept.length - 1]!.end) kept.push(match);
  return kept;
}

/** `text` with each match replaced by a placeholder naming its kind (`<EMAIL>`). */
export function masked(text: string, matches: readonly Match[]): string {
  let out = "";
  let at = 0;
  for (const match of matches) {
    out += `${text.slice(at, match.start)}<${match.kind}>`;
    at = match.end;
  }
  return out + text.slice(at);
}
