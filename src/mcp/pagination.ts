// Opaque cursors for the merged lists the gateway pages to its clients. A cursor holds
// an offset and a fingerprint of the list it was cut from; a cursor from a list that has
// since changed, or one that was forged, is refused instead of silently skipping items.
import { z } from "zod";
import { errors } from "./errors.js";
import { reuseJsonText } from "./json-text.js";

const CursorSchema = z.object({ o: z.number().int().min(0), f: z.string().max(64) });

export interface Page<T> {
  items: readonly T[];
  nextCursor?: string;
}

/** Pages already cut, per list (lists are memoized per view): the same page is the same array. */
const cut = new WeakMap<readonly unknown[], Map<string, readonly unknown[]>>();

/**
 * A page of `items`. The same page of the same list is the same array, marked for its
 * JSON text to be reused: `items` must not change once paged.
 */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number, fingerprint: string): Page<T> {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor, fingerprint);
  if (offset > items.length) throw errors.invalidParams("cursor is past the end of the list");
  const end = offset + pageSize;
  let pages = cut.get(items);
  if (!pages) cut.set(items, (pages = new Map()));
  let slice = pages.get(`${offset}:${end}`) as readonly T[] | undefined;
  if (!slice) pages.set(`${offset}:${end}`, (slice = reuseJsonText(items.slice(offset, end))));
  const page: Page<T> = { items: slice };
  if (end < items.length) page.nextCursor = encodeCursor(end, fingerprint);
  return page;
}

function encodeCursor(offset: number, fingerprint: string): string {
  return btoa(JSON.stringify({ o: offset, f: fingerprint })).replaceAll("=", "");
}

function decodeCursor(cursor: unknown, fingerprint: string): number {
  if (typeof cursor !== "string" || cursor.length > 256)
    throw errors.invalidParams("cursor is not one this gateway issued");
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor));
  } catch {
    throw errors.invalidParams("cursor is not one this gateway issued");
  }
  const parsed = CursorSchema.safeParse(decoded);
  if (!parsed.success) throw errors.invalidParams("cursor is not one this gateway issued");
  if (parsed.data.f !== fingerprint) {
    throw errors.invalidParams("the list changed since this cursor was issued; list again from the start");
  }
  return parsed.data.o;
}
