// The forms a known secret value takes in text someone could read, and replacing them:
// the one definition behind scrubbing upstream answers, /status and audit lines. It looks
// for values it is given; recognising secret-looking text it was not given (bearer tokens,
// `password=…`) is audit.ts's, and deciding what to scrub, and where, is the callers'.

/** Values (and parts of values) shorter than this are not looked for: they would match ordinary words. */
export const MIN_SECRET_CHARS = 8;
/**
 * A base64 core shorter than this is not looked for. Ten base64 characters carry 60 bits:
 * ordinary text, or megabytes of unrelated base64 (an image), matches one by chance about
 * never. It is also the shortest core a value of MIN_SECRET_CHARS bytes yields in any
 * alignment, so every value long enough to be looked for is looked for in base64 too.
 */
export const MIN_BASE64_CORE_CHARS = 10;
/** What a form is replaced with in upstream answers and /status (audit lines use their own marker). */
export const SECRET_MARKER = "[secret]";

/**
 * The forms of one registration's secret values, made once per configuration snapshot:
 * each value of MIN_SECRET_CHARS or more, and each whitespace-separated part of it that
 * long ("Bearer <token>" also hides a bare token), is looked for
 * - as sent;
 * - JSON-escaped (what JSON.stringify puts between the quotes), when that differs;
 * - in base64, as inside `Authorization: Basic …` credentials, after an unknown prefix such
 *   as `user:`: for each of the three alignments a value can start at, only the characters
 *   that depend on the value's bytes alone (its base64 core), when MIN_BASE64_CORE_CHARS
 *   or longer.
 */
export class SecretForms {
  /** Longest first, so a form inside another leaves nothing of the longer one behind. */
  readonly #forms: readonly string[];

  private constructor(forms: readonly string[]) {
    this.#forms = forms;
  }

  /** The forms of `values`; undefined when none is long enough to look for, so callers pay nothing. */
  static of(values: readonly string[]): SecretForms | undefined {
    const forms = new Set<string>();
    for (const value of values) {
      if (typeof value !== "string" || value.length < MIN_SECRET_CHARS) continue;
      for (const looked of [value, ...value.split(/\s+/).filter((part) => part.length >= MIN_SECRET_CHARS)]) {
        forms.add(looked);
        forms.add(JSON.stringify(looked).slice(1, -1));
        for (const core of base64Cores(looked)) forms.add(core);
      }
    }
    return forms.size > 0 ? new SecretForms([...forms].sort((a, b) => b.length - a.length)) : undefined;
  }

  /** `text` with every occurrence of every form replaced by `marker`. */
  scrubText(text: string, marker: string = SECRET_MARKER): string {
    let out = text;
    // split/join, not replaceAll: a marker is taken literally, whatever it holds.
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join(marker);
    return out;
  }

  /**
   * A JSON value (as JSON.parse makes it) with every form replaced in its strings and
   * keys, of the same types and shape. Copies only what changes: the very same value
   * comes back when no form occurs in it.
   */
  scrubJson<T>(value: T): T {
    return this.#scrubValue(value) as T;
  }

  #scrubValue(value: unknown): unknown {
    if (typeof value === "string") return this.scrubText(value);
    if (typeof value !== "object" || value === null) return value;
    return Array.isArray(value) ? this.#scrubArray(value) : this.#scrubObject(value as Record<string, unknown>);
  }

  #scrubArray(items: readonly unknown[]): readonly unknown[] {
    let copy: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const scrubbed = this.#scrubValue(items[i]);
      if (scrubbed === items[i]) continue;
      copy ??= items.slice();
      copy[i] = scrubbed;
    }
    return copy ?? items;
  }

  #scrubObject(object: Record<string, unknown>): Record<string, unknown> {
    const keys = Object.keys(object);
    let entries: Array<[string, unknown]> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const scrubbedKey = this.scrubText(key);
      const scrubbed = this.#scrubValue(object[key]);
      if (!entries && scrubbedKey === key && scrubbed === object[key]) continue;
      entries ??= keys.slice(0, i).map((kept) => [kept, object[kept]]);
      entries.push([scrubbedKey, scrubbed]);
    }
    // fromEntries defines properties: a "__proto__" key stays data and never reaches a prototype.
    return entries ? Object.fromEntries(entries) : object;
  }
}

/**
 * The base64 cores of `value` (UTF-8): for `lead` = 0, 1 or 2 unknown bytes before it in its
 * first 3-byte group, base64 character i encodes bits [6i, 6i + 6) of the bytes, so those
 * from ceil(8·lead / 6) to floor(8·(lead + n) / 6) hold the value's n bytes alone: they
 * appear unchanged in the base64 of any text that has the value at that alignment, whatever
 * precedes (`user:`) or follows it.
 */
function base64Cores(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const cores: string[] = [];
  for (const lead of [0, 1, 2]) {
    let binary = "\0".repeat(lead);
    for (const byte of bytes) binary += String.fromCharCode(byte);
    const core = btoa(binary).slice(Math.ceil((8 * lead) / 6), Math.floor((8 * (lead + bytes.length)) / 6));
    if (core.length >= MIN_BASE64_CORE_CHARS) cores.push(core);
  }
  return cores;
}
