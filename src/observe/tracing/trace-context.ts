// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a client or
// an upstream speaks, read strictly and written in version 00, and the random ids of new
// traces and spans. Pure; no I/O.

/** Where a span sits: its trace, its own id, and whether it is recorded. */
export interface SpanContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  sampled: boolean;
}

// Version 00 is exactly this; a later version may append fields after a dash, which we
// ignore as the spec asks. Version ff is forbidden.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/** The context a `traceparent` value names; undefined for anything malformed (it is then ignored). */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = "";
  for (const byte of random) hex += byte.toString(16).padStart(2, "0");
  // All zeros is invalid; the odds are 2^-64 at worst, and then one bit makes it valid.
  return ALL_ZERO.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}
