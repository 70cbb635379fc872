// One JSON-RPC message POSTed to an upstream over Streamable HTTP and its answer read
// back, whether the upstream replies with JSON or an SSE stream. It knows HTTP and
// timeouts; sessions and retries are the caller's (upstream-link.ts).
import { createParser } from "eventsource-parser";
import { classifyMessage, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from "../mcp/jsonrpc.js";
import { errors, GatewayError } from "../mcp/errors.js";
import { breakerFor, type BreakerPolicy } from "./breaker.js";
import { opsReport } from "../observe/ops-report.js";

export interface Exchange {
  server: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  timeoutMs: number;
  /** When to stop calling this upstream for a while; see breaker.ts. */
  breaker: BreakerPolicy;
  /**
   * Messages the upstream sends before its answer (progress, logging, its own requests).
   * While a returned promise is pending (the client is answering the upstream's own
   * request) the timeout is paused; a progress notification restarts it.
   */
  onMessage?: (message: JsonRpcMessage) => void | Promise<unknown>;
  /** The client gave up: stop waiting. */
  signal?: AbortSignal | undefined;
  /**
   * An event-stream answer whose first message is not the answer (a question, progress, a
   * log message) is returned as `kind: "event-stream"`, replayed from its first byte, for
   * its owner to read (continueExchange): a Worker hands such a call to a session object.
   */
  handOffStreams?: boolean;
}

export type ExchangeOutcome =
  | { kind: "response"; response: JsonRpcResponse; sessionId: string | null }
  | { kind: "accepted"; sessionId: string | null }
  | { kind: "event-stream"; body: ReadableStream<Uint8Array>; drained: Promise<void> }
  | { kind: "session-expired" };

/** At most this much of an upstream answer is read: a runaway upstream cannot exhaust memory. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * Sends one message; for a request, `expectId` names the response to wait for. The
 * upstream's circuit breaker admits it or refuses at once, and the outcome feeds the
 * breaker and the upstream's health in /status.
 */
export async function exchange(
  ex: Exchange,
  expectId: RequestId | null,
  sentSessionId: string | null,
): Promise<ExchangeOutcome> {
  const breaker = breakerOf(ex);
  const admission = breaker.admit();
  if (!admission.admitted) throw errors.circuitOpen(ex.server, admission.retryAfterMs);
  return accounted(ex, breaker, () => exchangeOnce(ex, expectId, sentSessionId));
}

/**
 * Reads the rest of an exchange another owner started and handed over unread (an
 * `event-stream` outcome): the answer to `expectId`, with the same timeout, messages,
 * cancellation and health accounting as if it had been sent here.
 */
export async function continueExchange(
  ex: Exchange,
  expectId: RequestId,
  body: ReadableStream<Uint8Array>,
): Promise<JsonRpcResponse> {
  return accounted(ex, breakerOf(ex), () =>
    withDeadline(ex, (signal, deadline) => readEventStream(ex, body, expectId, deadline, signal)),
  );
}

function breakerOf(ex: Exchange) {
  return breakerFor(ex.server, ex.url, ex.breaker, (state, at) => opsReport.breaker(ex.server, state, at));
}

/** Runs one exchange and feeds its outcome to the breaker and to the upstream's health in /status. */
async function accounted<T>(ex: Exchange, breaker: ReturnType<typeof breakerOf>, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    const outcome = await run();
    breaker.succeeded();
    opsReport.upstreamOk(ex.server, Date.now() - started);
    return outcome;
  } catch (error) {
    if (isUpstreamFault(error)) {
      breaker.failed();
      const { code, message } =
        error instanceof GatewayError ? error : { code: "INTERNAL_ERROR", message: String(error) };
      opsReport.upstreamFailed(ex.server, Date.now() - started, { code, message });
    } else {
      breaker.released();
      if (!(error instanceof GatewayError && error.code === "CANCELLED"))
        opsReport.upstreamOk(ex.server, Date.now() - started);
    }
    throw error;
  }
}

/**
 * Whether an error says the upstream is unwell: it could not be reached, did not answer
 * in time, answered 5xx or garbage. A 4xx answer or the client cancelling says nothing
 * about the upstream's health.
 */
export function isUpstreamFault(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return true;
  if (error.code === "TIMEOUT") return true;
  if (error.code === "SERVER_UNAVAILABLE") return error.details["breaker"] !== "open";
  if (error.code !== "UPSTREAM_ERROR") return false;
  const status = error.details["status"];
  return typeof status !== "number" || status >= 500;
}

async function exchangeOnce(
  ex: Exchange,
  expectId: RequestId | null,
  sentSessionId: string | null,
): Promise<ExchangeOutcome> {
  return withDeadline(ex, async (signal, deadline) => {
    const response = await send(ex, signal);
    const sessionId = response.headers.get("mcp-session-id");
    if (response.status === 404 && sentSessionId !== null) {
      await response.body?.cancel();
      return { kind: "session-expired" };
    }
    if (response.status === 400 && sentSessionId !== null && isJson(response)) {
      // Servers built on the SDK's examples answer an unknown session with 400 and an
      // id-less JSON-RPC error rather than the spec's 404: treat that as expiry too.
      const text = await readLimitedText(ex.server, response);
      if (isIdlessError(text)) return { kind: "session-expired" };
      if (expectId === null) throw statusError(ex.server, response.status);
      return { kind: "response", response: answerFromJson(ex, text, response, expectId), sessionId };
    }
    if (expectId === null) {
      await response.body?.cancel();
      if (response.ok) return { kind: "accepted", sessionId };
      throw statusError(ex.server, response.status);
    }
    if (ex.handOffStreams && response.ok && response.body && mediaType(response) === "text/event-stream")
      return answerOrHandOff(ex, response.body, expectId, sessionId);
    const answer = await readAnswer(ex, response, expectId, deadline, signal);
    return { kind: "response", response: answer, sessionId };
  });
}

/**
 * Runs `work` under the exchange's timeout and the client's cancellation: `signal` aborts
 * when either ends the wait, and what was thrown then says which (timeout or cancelled).
 */
async function withDeadline<T>(
  ex: Exchange,
  work: (signal: AbortSignal, deadline: Deadline) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const deadline = new Deadline(ex.timeoutMs, () => controller.abort());
  const onCancel = () => controller.abort();
  ex.signal?.addEventListener("abort", onCancel);
  try {
    if (ex.signal?.aborted) throw errors.cancelled();
    return await work(controller.signal, deadline);
  } catch (error) {
    if (ex.signal?.aborted) throw errors.cancelled();
    if (controller.signal.aborted) throw errors.timeout(ex.server, ex.timeoutMs);
    throw error;
  } finally {
    deadline.clear();
    ex.signal?.removeEventListener("abort", onCancel);
  }
}

/** A timeout that progress restarts and that waits while the client answers the upstream. */
class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #holds = 0;
  constructor(
    private readonly ms: number,
    private readonly expire: () => void,
  ) {
    this.restart();
  }
  restart(): void {
    clearTimeout(this.#timer);
    this.#timer = this.#holds > 0 ? undefined : setTimeout(this.expire, this.ms);
  }
  hold(pending: Promise<unknown>): void {
    this.#holds++;
    clearTimeout(this.#timer);
    void pending.finally(() => {
      this.#holds--;
      this.restart();
    });
  }
  clear(): void {
    this.#holds = Number.POSITIVE_INFINITY;
    clearTimeout(this.#timer);
  }
}

async function send(ex: Exchange, signal: AbortSignal): Promise<Response> {
  try {
    return await fetch(ex.url, {
      method: "POST",
      headers: {
        ...ex.headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(ex.body),
      signal,
      redirect: "manual",
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw errors.serverUnavailable(ex.server, "connection failed").markTransient();
  }
}

async function readAnswer(
  ex: Exchange,
  response: Response,
  expectId: RequestId,
  deadline: Deadline,
  signal: AbortSignal,
): Promise<JsonRpcResponse> {
  const type = mediaType(response);
  if (type === "text/event-stream" && response.ok && response.body)
    return readEventStream(ex, response.body, expectId, deadline, signal);
  if (type !== "application/json") {
    await response.body?.cancel();
    if (!response.ok) throw statusError(ex.server, response.status);
    throw errors.upstreamError(ex.server, `answered with Content-Type '${type || "none"}'`);
  }
  return answerFromJson(ex, await readLimitedText(ex.server, response), response, expectId);
}

function answerFromJson(ex: Exchange, text: string, response: Response, expectId: RequestId): JsonRpcResponse {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    if (!response.ok) throw statusError(ex.server, response.status);
    throw errors.upstreamError(ex.server, "answered with invalid JSON");
  }
  const message = classifyMessage(decoded);
  // An upstream's own JSON-RPC error is relayed unchanged, whatever its HTTP status.
  if (message?.kind === "response" && (message.message.id === expectId || "error" in message.message)) {
    return { ...message.message, id: expectId };
  }
  if (!response.ok) throw statusError(ex.server, response.status);
  throw errors.upstreamError(ex.server, "answered with something that is not the JSON-RPC response to its request");
}

async function readEventStream(
  ex: Exchange,
  body: ReadableStream<Uint8Array>,
  expectId: RequestId,
  deadline: Deadline,
  /** Aborted on timeout or cancellation. */
  signal: AbortSignal,
): Promise<JsonRpcResponse> {
  let answer: JsonRpcResponse | undefined;
  let malformed = false;
  const parser = createParser({
    onEvent(event) {
      if (answer || (event.event !== undefined && event.event !== "message") || event.data === "") return;
      let decoded: unknown;
      try {
        decoded = JSON.parse(event.data);
      } catch {
        malformed = true;
        return;
      }
      const message = classifyMessage(decoded);
      if (!message) malformed = true;
      else if (message.kind === "response" && message.message.id === expectId) answer = message.message;
      else {
        if (message.kind === "notification" && message.message.method === "notifications/progress") deadline.restart();
        const pending = ex.onMessage?.(message);
        if (pending) deadline.hold(pending);
      }
    },
  });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  // A fetched body errors when its fetch is aborted; a handed-over one must be cancelled.
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", stop, { once: true });
  let received = 0;
  try {
    while (!answer) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received > MAX_ANSWER_BYTES) throw errors.upstreamError(ex.server, "answer exceeded the size limit");
      parser.feed(value);
    }
  } finally {
    signal.removeEventListener("abort", stop);
    await reader.cancel().catch(() => undefined);
  }
  if (answer) return answer;
  if (malformed) throw errors.upstreamError(ex.server, "sent malformed events and no answer");
  throw errors.upstreamError(ex.server, "closed its event stream before answering").markTransient();
}

/**
 * Reads an event stream as far as its first message: the answer to `expectId` is returned
 * as such; anything else (or the stream ending first) hands the whole stream over.
 */
async function answerOrHandOff(
  ex: Exchange,
  body: ReadableStream<Uint8Array>,
  expectId: RequestId,
  sessionId: string | null,
): Promise<ExchangeOutcome> {
  const reader = body.getReader();
  const read: Uint8Array[] = [];
  const decoder = new TextDecoder();
  let answer: JsonRpcResponse | undefined;
  let other = false;
  const parser = createParser({
    onEvent(event) {
      if (answer || other || (event.event !== undefined && event.event !== "message") || event.data === "") return;
      try {
        const message = classifyMessage(JSON.parse(event.data));
        if (message?.kind === "response" && message.message.id === expectId) answer = message.message;
        else other = true;
      } catch {
        other = true;
      }
    },
  });
  let received = 0;
  while (!answer && !other) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw errors.upstreamError(ex.server, "answer exceeded the size limit");
    }
    read.push(value);
    parser.feed(decoder.decode(value, { stream: true }));
  }
  if (answer) {
    await reader.cancel().catch(() => undefined);
    return { kind: "response", response: answer, sessionId };
  }
  return { kind: "event-stream", ...replayed(read, reader) };
}

/**
 * The bytes already read, then the rest of the stream: the same stream, from its start.
 * `drained` settles once it ended or its reader gave up.
 */
function replayed(
  read: Uint8Array[],
  rest: ReadableStreamDefaultReader<Uint8Array>,
): { body: ReadableStream<Uint8Array>; drained: Promise<void> } {
  let drain!: () => void;
  const drained = new Promise<void>((resolve) => (drain = resolve));
  const body = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const chunk = read.shift();
      if (chunk) return controller.enqueue(chunk);
      try {
        const { done, value } = await rest.read();
        if (!done) return controller.enqueue(value);
        controller.close();
      } catch (error) {
        controller.error(error);
      }
      drain();
    },
    cancel: async (reason) => {
      drain();
      await rest.cancel(reason);
    },
  });
  return { body, drained };
}

async function readLimitedText(server: string, response: Response): Promise<string> {
  const length = Number(response.headers.get("content-length") ?? "0");
  if (length > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    throw errors.upstreamError(server, "answer exceeded the size limit");
  }
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) throw errors.upstreamError(server, "answer exceeded the size limit");
  return text;
}

function mediaType(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function isJson(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json");
}

/** A JSON-RPC error not tied to any request: the transport refused before dispatching. */
function isIdlessError(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return false;
    const { id, error } = value as { id?: unknown; error?: unknown };
    return (id === undefined || id === null) && typeof error === "object" && error !== null;
  } catch {
    return false;
  }
}

function statusError(server: string, status: number): GatewayError {
  if (status === 502 || status === 503 || status === 504)
    return errors.serverUnavailable(server, `HTTP ${status}`).markTransient();
  const error = errors.upstreamError(server, `answered HTTP ${status}`, { status });
  return status >= 500 ? error.markTransient() : error;
}
