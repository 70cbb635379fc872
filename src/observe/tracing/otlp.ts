// Finished spans as OTLP/HTTP with the JSON encoding (opentelemetry-proto's
// ExportTraceServiceRequest, ids in hex, times as strings of nanoseconds), posted to the
// collector settings.tracing names, with its headers (secrets substituted). A collector
// that fails or does not answer within EXPORT_TIMEOUT_MS loses those spans and gets one
// log line; the request they describe is never affected.
import { log } from "../log.js";
import type { SpanContext } from "./trace-context.js";

/** settings.tracing as the snapshot resolves it: header values are secrets, never log them. */
export interface TracingConfig {
  endpoint: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
}

/** The instrumentation scope: the gateway's name and version. */
export interface TracingScope {
  name: string;
  version: string;
}

/** OTLP's SpanKind: INTERNAL 1, SERVER 2, CLIENT 3. */
export type SpanKind = "internal" | "server" | "client";
const KIND_NUMBER: Record<SpanKind, number> = { internal: 1, server: 2, client: 3 };
/** OTLP's StatusCode: UNSET 0, ERROR 2 (OK is for users to set, not instrumentation). */
const STATUS_ERROR = 2;

export interface FinishedSpan {
  name: string;
  kind: SpanKind;
  context: SpanContext;
  parentSpanId?: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  error: boolean;
}

const EXPORT_TIMEOUT_MS = 5000;

export async function exportSpans(
  config: TracingConfig,
  scope: TracingScope,
  spans: readonly FinishedSpan[],
): Promise<void> {
  try {
    const response = await fetch(config.endpoint, {
      method: "POST",
      headers: { ...config.headers, "content-type": "application/json" },
      body: JSON.stringify(otlpRequest(config, scope, spans)),
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) log("warn", "trace.export_failed", { spans: spans.length, status: response.status });
  } catch (error) {
    const reason = error instanceof Error ? error.name : "error";
    log("warn", "trace.export_failed", { spans: spans.length, reason });
  }
}

export function otlpRequest(config: TracingConfig, scope: TracingScope, spans: readonly FinishedSpan[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ "service.name": config.serviceName }) },
        scopeSpans: [{ scope, spans: spans.map(otlpSpan) }],
      },
    ],
  };
}

function otlpSpan(span: FinishedSpan): unknown {
  return {
    traceId: span.context.traceId,
    spanId: span.context.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: KIND_NUMBER[span.kind],
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.endMs),
    attributes: attributes(span.attributes),
    status: span.error ? { code: STATUS_ERROR } : {},
  };
}

const nanos = (ms: number): string => `${ms}000000`;

function attributes(values: Record<string, string | number | boolean>): unknown[] {
  return Object.entries(values).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(value: string | number | boolean): Record<string, unknown> {
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: value };
}
