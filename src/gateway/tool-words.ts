// The words of tool definitions and of search queries, for tool-search.ts: text split at
// anything that is not a letter or digit, at `camelCase` and acronym boundaries and between
// letters and digits (so `snake_case`, `camelCase` and `kebab-case` names read alike), then
// lower-cased, stopwords dropped and stemmed (Porter, by `stemmer`). A hand-written scan
// rather than Unicode regular expressions: splitting is most of the cost of building an
// index, and the index of a large catalog is built on a request's path.
import { stemmer } from "stemmer";

const SEPARATOR = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
/** A letter without case (CJK, for example). */
const CASELESS = 4;

/** Words of a name or a sentence: `getPullRequest`, `get_pull_request`, `get-pull-request` alike. */
export function splitWords(text: string): string[] {
  const scanner = new WordScanner();
  const words: string[] = [];
  for (let i = 0, count = scanner.scan(text); i < count; i++)
    words.push(text.slice(scanner.starts[i], scanner.ends[i]));
  return words;
}

/**
 * Finds the words of a text, as their bounds and two independent 32-bit hashes of their
 * characters, without making strings of them: the index tells words it has seen before by
 * their hashes and length alone. The arrays are reused by the next scan.
 */
export class WordScanner {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  hashes = new Int32Array(64);
  checks = new Int32Array(64);
  private count = 0;

  /** How many words `text` has; word i is text[starts[i], ends[i]). */
  scan(text: string): number {
    this.count = 0;
    const length = text.length;
    let start = -1;
    let hash = 0;
    let check = 0;
    let previous = SEPARATOR;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      const kind = code < 128 ? ASCII_KINDS[code]! : kindAt(text, i);
      if (
        (kind === previous && (kind === LOWER || kind === DIGIT || kind === CASELESS)) ||
        (start >= 0 && kind !== SEPARATOR && !startsWord(previous, kind, text, i))
      ) {
        // One more character of the word (the first test is most characters, and quick).
        hash = (Math.imul(hash, 31) + code) | 0;
        check = Math.imul(check ^ code, FNV_PRIME);
      } else {
        if (start >= 0) this.word(start, i, hash, check);
        start = kind === SEPARATOR ? -1 : i;
        hash = code;
        check = Math.imul(FNV_OFFSET ^ code, FNV_PRIME);
      }
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
        const low = text.charCodeAt(++i);
        hash = (Math.imul(hash, 31) + low) | 0;
        check = Math.imul(check ^ low, FNV_PRIME);
      }
      previous = kind;
    }
    if (start >= 0) this.word(start, length, hash, check);
    return this.count;
  }

  private word(start: number, end: number, hash: number, check: number): void {
    if (this.count === this.starts.length) {
      this.starts = doubled(this.starts);
      this.ends = doubled(this.ends);
      this.hashes = doubled(this.hashes);
      this.checks = doubled(this.checks);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.hashes[this.count] = hash;
    this.checks[this.count++] = check;
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function doubled(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/** Whether the character of `kind` at `i`, after one of `previous` in the same run of letters and digits, starts a word. */
function startsWord(previous: number, kind: number, text: string, i: number): boolean {
  if (kind === UPPER)
    return previous === LOWER || previous === DIGIT || (previous === UPPER && kindAt(text, i + 1) === LOWER);
  return kind === DIGIT || previous === DIGIT;
}

/** The kind of the character at `i` (SEPARATOR past the end). */
function kindAt(text: string, i: number): number {
  if (i >= text.length) return SEPARATOR;
  const code = text.charCodeAt(i);
  if (code < 128) return ASCII_KINDS[code]!;
  const char = String.fromCodePoint(text.codePointAt(i)!);
  let kind = wideKinds.get(char);
  if (kind === undefined) {
    kind = wideKind(char);
    if (wideKinds.size >= MAX_CACHED) wideKinds.clear();
    wideKinds.set(char, kind);
  }
  return kind;
}

const ASCII_KINDS = Uint8Array.from({ length: 128 }, (_, code) =>
  code >= 97 && code <= 122 ? LOWER : code >= 65 && code <= 90 ? UPPER : code >= 48 && code <= 57 ? DIGIT : SEPARATOR,
);
const wideKinds = new Map<string, number>();

function wideKind(char: string): number {
  if (/\p{N}/u.test(char)) return DIGIT;
  if (!/\p{L}/u.test(char)) return SEPARATOR;
  if (char.toLowerCase() !== char) return UPPER;
  if (char.toUpperCase() !== char) return LOWER;
  return CASELESS;
}

/** A word as indexed and searched: lower case, stemmed; null for words that carry no meaning here. */
export function normalizeWord(word: string): string | null {
  let normal = normals.get(word);
  if (normal === undefined) {
    const lower = word.toLowerCase();
    normal = lower.length < 2 || STOPWORDS.has(lower) ? null : stemmer(lower);
    if (normals.size >= MAX_CACHED) normals.clear();
    normals.set(word, normal);
  }
  return normal;
}

/** Words seen before, as written, and their normal forms: catalogs repeat their vocabulary. */
const normals = new Map<string, string | null>();
/** Entries in each cache; past that it starts again, so odd queries cannot grow it. */
const MAX_CACHED = 50_000;

const STOPWORDS = new Set(
  (
    "a an and are as at be by can do does for from has have how i if in into is it its me my of on or our so " +
    "that the their them then there these this those to us was we what when where which who will with you your " +
    "please want need should would could"
  ).split(" "),
);
