// The JSON text of the gateway's answers. A big array served again and again unchanged
// (a page of a merged list, memoized per view and policy) can be marked reusable: its
// text is made once and spliced into every answer that carries it. Everything else is
// JSON.stringify's, and the whole is exactly what JSON.stringify would write. It does not
// decide what may be reused: a marked array must never change once marked.

const texts = new WeakMap<object, string>();
const reusable = new WeakSet<object>();
/** Reusable arrays are looked for this deep (a batch, a response, its result, a field). */
const SEARCH_DEPTH = 3;

/** Marks an array whose JSON text may be kept and reused; it must not change from now on. */
export function reuseJsonText<T extends readonly unknown[]>(array: T): T {
  reusable.add(array);
  return array;
}

/** JSON.stringify(value), with the kept text of reusable arrays. */
export function jsonText(value: unknown): string {
  return write(value, 0) ?? "null";
}

/**
 * The JSON of `value`, or undefined where JSON.stringify leaves it out (undefined,
 * functions). Pieces are joined with `+`, which links the kept text instead of copying it.
 */
function write(value: unknown, depth: number): string | undefined {
  if (typeof value === "object" && value !== null && reusable.has(value)) {
    let text = texts.get(value);
    if (text === undefined) texts.set(value, (text = JSON.stringify(value)));
    return text;
  }
  if (typeof value !== "object" || value === null || depth >= SEARCH_DEPTH || !isPlain(value)) {
    return JSON.stringify(value) as string | undefined;
  }
  let text = "";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) text += (i > 0 ? "," : "") + (write(value[i], depth + 1) ?? "null");
    return "[" + text + "]";
  }
  for (const key of Object.keys(value)) {
    const member = write((value as Record<string, unknown>)[key], depth + 1);
    if (member !== undefined) text += (text === "" ? "" : ",") + JSON.stringify(key) + ":" + member;
  }
  return "{" + text + "}";
}

/** Plain arrays and objects: anything with toJSON or another prototype is JSON.stringify's. */
function isPlain(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return false;
  return typeof (value as { toJSON?: unknown }).toJSON !== "function";
}
