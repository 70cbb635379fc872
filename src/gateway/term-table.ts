// Numbers for the normal words (terms) of many texts, as an index needs them. Each word of a
// text is looked up in an open-addressing table of the words seen so far by its two 32-bit
// hashes and its length (WordScanner's), so a word met again costs no string, no compare of
// characters and no stemming. Two different words alike in all three (a chance of about one
// in 10^19 for a pair) would share a term: a matter of ranking only, as the index decides
// nothing about who sees what. One table per index build.
import { normalizeWord, WordScanner } from "./tool-words.js";

const EMPTY = -2;
/** A word that is no term (a stopword, a single letter). */
const NO_TERM = -1;
const INITIAL_SLOTS = 1 << 12;

export class TermTable {
  /** Each term's number, by its normal form. */
  readonly terms = new Map<string, number>();
  private hashes = new Int32Array(INITIAL_SLOTS);
  private checks = new Int32Array(INITIAL_SLOTS);
  private lengths = new Int32Array(INITIAL_SLOTS);
  private numbers = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  private size = 0;
  private readonly scanner = new WordScanner();

  /** Appends the term number of each word of `text` that is a term, in order; how many it appended. */
  addTerms(text: string, out: { push(term: number): void }): number {
    const { scanner } = this;
    let added = 0;
    for (let i = 0, count = scanner.scan(text); i < count; i++) {
      const term = this.numberOf(text, scanner.starts[i]!, scanner.ends[i]!, scanner.hashes[i]!, scanner.checks[i]!);
      if (term !== NO_TERM) {
        out.push(term);
        added++;
      }
    }
    return added;
  }

  private numberOf(text: string, start: number, end: number, hash: number, check: number): number {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const number = this.numbers[slot]!;
      if (number === EMPTY) return this.insert(slot, text.slice(start, end), hash, check);
      if (this.hashes[slot] === hash && this.checks[slot] === check && this.lengths[slot] === end - start)
        return number;
    }
  }

  private insert(slot: number, word: string, hash: number, check: number): number {
    const normal = normalizeWord(word);
    let term = NO_TERM;
    if (normal !== null) {
      term = this.terms.get(normal) ?? this.terms.size;
      if (term === this.terms.size) this.terms.set(normal, term);
    }
    this.hashes[slot] = hash;
    this.checks[slot] = check;
    this.lengths[slot] = word.length;
    this.numbers[slot] = term;
    if (++this.size * 2 > this.hashes.length) this.grow();
    return term;
  }

  private grow(): void {
    const { hashes, checks, lengths, numbers } = this;
    const slots = hashes.length * 2;
    this.hashes = new Int32Array(slots);
    this.checks = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.numbers = new Int32Array(slots).fill(EMPTY);
    for (let old = 0; old < hashes.length; old++) {
      if (numbers[old] === EMPTY) continue;
      let slot = hashes[old]! & (slots - 1);
      while (this.numbers[slot] !== EMPTY) slot = (slot + 1) & (slots - 1);
      this.hashes[slot] = hashes[old]!;
      this.checks[slot] = checks[old]!;
      this.lengths[slot] = lengths[old]!;
      this.numbers[slot] = numbers[old]!;
    }
  }
}
