// Spans of one invocation (a Worker request, or one request a Durable Object handles):
// started with a parent (the client's context, or another span of the gateway), ended
// once, and exported together over OTLP/HTTP (otlp.ts) when the last open one ends, in
// the background so no answer waits for the collector. Sampling follows the parent when
// there is one and settings.tracing.sampleRatio when a trace starts here; a span that is
// not sampled still has ids, so the context it hands on stays one trace.
import { formatTraceparent, newSpanId, newTraceId, type SpanContext } from "./trace-context.js";
import { exportSpans, type FinishedSpan, type SpanKind, type TracingConfig, type TracingScope } from "./otlp.js";

export type { SpanKind, TracingConfig, TracingScope } from "./otlp.js";

export type AttributeValue = string | number | boolean;

/** Spans kept per invocation at most: a runaway loop cannot grow the buffer without limit. */
const MAX_BUFFERED_SPANS = 256;

export class Span {
  readonly #tracer: Tracer;
  readonly #finished: FinishedSpan;
  #ended = false;

  constructor(tracer: Tracer, finished: FinishedSpan) {
    this.#tracer = tracer;
    this.#finished = finished;
  }

  get context(): SpanContext {
    return this.#finished.context;
  }

  /** The `traceparent` that makes what is sent next a child of this span. */
  get traceparent(): string {
    return formatTraceparent(this.#finished.context);
  }

  set(key: string, value: AttributeValue | undefined): this {
    if (value !== undefined) this.#finished.attributes[key] = value;
    return this;
  }

  /** Marks the span failed, with the error's type (a code, never a message that could carry data). */
  fail(errorType: string): this {
    this.#finished.attributes["error.type"] = errorType;
    this.#finished.error = true;
    return this;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#finished.endMs = Date.now();
    this.#tracer.ended(this.#finished);
  }
}

export class Tracer {
  readonly #config: TracingConfig;
  readonly #scope: TracingScope;
  readonly #background: (work: Promise<unknown>) => void;
  #buffered: FinishedSpan[] = [];
  #open = 0;

  constructor(config: TracingConfig, scope: TracingScope, background: (work: Promise<unknown>) => void) {
    this.#config = config;
    this.#scope = scope;
    this.#background = background;
  }

  /** A new span, a child of `parent` when given, else the root of a new trace. */
  start(name: string, kind: SpanKind, parent: SpanContext | undefined): Span {
    const sampled = parent ? parent.sampled : Math.random() < this.#config.sampleRatio;
    const context = { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), sampled };
    this.#open++;
    const finished: FinishedSpan = { name, kind, context, startMs: Date.now(), endMs: 0, attributes: {}, error: false };
    if (parent) finished.parentSpanId = parent.spanId;
    return new Span(this, finished);
  }

  /** Called by a span as it ends: kept if sampled; all sent once none is open. */
  ended(span: FinishedSpan): void {
    this.#open--;
    if (span.context.sampled && this.#buffered.length < MAX_BUFFERED_SPANS) this.#buffered.push(span);
    if (this.#open > 0 || this.#buffered.length === 0) return;
    const spans = this.#buffered;
    this.#buffered = [];
    this.#background(exportSpans(this.#config, this.#scope, spans));
  }
}
