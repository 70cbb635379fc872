// Numbers for the normal words (terms) of many texts, as an index needs them: each word of
// a text is found by its hash and characters in an open-addressing table of the words seen
// so far (their characters kept in one flat array), so a word met again costs no string
// and no stemming. One table per index build; words are as tool-words.ts splits and
// normalizes them.
import { normalizeWord, WordScanner } from "./tool-words.js";

const EMPTY = -2;
/** A word that is no term (a stopword, a single letter). */
const NO_TERM = -1;
const INITIAL_SLOTS = 1 << 12;

export class TermTable {
  /** Each term's number, by its normal form. */
  readonly terms = new Map<string, number>();
  private hashes = new Int32Array(INITIAL_SLOTS);
  private numbers = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  /** Where each slot's word is in `characters`, and its length. */
  private offsets = new Int32Array(INITIAL_SLOTS);
  private lengths = new Int32Array(INITIAL_SLOTS);
  private characters = new Uint16Array(INITIAL_SLOTS * 8);
  private used = 0;
  private size = 0;
  private readonly scanner = new WordScanner();

  /** Appends the term number of each word of `text` that is a term, in order; how many it appended. */
  addTerms(text: string, out: { push(term: number): void }): number {
    const { scanner } = this;
    let added = 0;
    for (let i = 0, count = scanner.scan(text); i < count; i++) {
      const term = this.numberOf(text, scanner.starts[i]!, scanner.ends[i]!, scanner.hashes[i]!);
      if (term !== NO_TERM) {
        out.push(term);
        added++;
      }
    }
    return added;
  }

  private numberOf(text: string, start: number, end: number, hash: number): number {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const number = this.numbers[slot]!;
      if (number === EMPTY) return this.insert(slot, text, start, end, hash);
      if (this.hashes[slot] === hash && this.holds(slot, text, start, end)) return number;
    }
  }

  private holds(slot: number, text: string, start: number, end: number): boolean {
    if (this.lengths[slot] !== end - start) return false;
    const { characters } = this;
    for (let i = start, at = this.offsets[slot]!; i < end; i++, at++)
      if (characters[at] !== text.charCodeAt(i)) return false;
    return true;
  }

  private insert(slot: number, text: string, start: number, end: number, hash: number): number {
    const normal = normalizeWord(text.slice(start, end));
    let term = NO_TERM;
    if (normal !== null) {
      term = this.terms.get(normal) ?? this.terms.size;
      if (term === this.terms.size) this.terms.set(normal, term);
    }
    while (this.used + end - start > this.characters.length) this.characters = doubled(this.characters);
    for (let i = start; i < end; i++) this.characters[this.used++] = text.charCodeAt(i);
    this.hashes[slot] = hash;
    this.numbers[slot] = term;
    this.offsets[slot] = this.used - (end - start);
    this.lengths[slot] = end - start;
    if (++this.size * 2 > this.hashes.length) this.grow();
    return term;
  }

  private grow(): void {
    const { hashes, numbers, offsets, lengths } = this;
    const slots = hashes.length * 2;
    this.hashes = new Int32Array(slots);
    this.numbers = new Int32Array(slots).fill(EMPTY);
    this.offsets = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    for (let old = 0; old < hashes.length; old++) {
      if (numbers[old] === EMPTY) continue;
      let slot = hashes[old]! & (slots - 1);
      while (this.numbers[slot] !== EMPTY) slot = (slot + 1) & (slots - 1);
      this.hashes[slot] = hashes[old]!;
      this.numbers[slot] = numbers[old]!;
      this.offsets[slot] = offsets[old]!;
      this.lengths[slot] = lengths[old]!;
    }
  }
}

function doubled(array: Uint16Array<ArrayBuffer>): Uint16Array<ArrayBuffer> {
  const bigger = new Uint16Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
