// One JSON-RPC message POSTed to an upstream over Streamable HTTP and its answer read
// back, whether the upstream replies with JSON or an event stream (event-stream.ts). It
// knows HTTP, timeouts and the upstream's health (its circuit breaker and /status), and
// replaces the registration's secrets in everything it hands back (answers and the
// messages before them), so no upstream text past this point can carry them. Sessions
// and retries are the caller's (upstream-link.ts).
import { classifyMessage, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from "../mcp/jsonrpc.js";
import { errors, GatewayError } from "../mcp/errors.js";
import type { BreakerPolicy } from "../config/snapshot.js";
import type { SecretForms } from "../observe/secret-forms.js";
import { opsReport } from "../observe/ops-report.js";
import { breakerFor } from "./breaker.js";
import { Deadline } from "./deadline.js";
import {
  answerOrStream,
  MAX_ANSWER_BYTES,
  readEventStream,
  type HandedStream,
  type StreamReading,
} from "./event-stream.js";

export interface Exchange {
  server: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  timeoutMs: number;
  /** When to stop calling this upstream for a while; see breaker.ts. */
  breaker: BreakerPolicy;
  /** The registration's secrets (ResolvedServer.secretForms): replaced in all that is read back. */
  secretForms: SecretForms | undefined;
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
   * log message) comes back as `kind: "event-stream"`, replayable from its first byte, for
   * another owner to read (continueExchange).
   */
  handOverStreams?: boolean;
  /**
   * An event stream that ends before the answer may be resumed with a GET and
   * `Last-Event-ID` (the 2025 revisions' Streamable HTTP; the 2026-07-28 revision has none).
   */
  resumable?: boolean;
}

export type ExchangeOutcome =
  | { kind: "response"; response: JsonRpcResponse; sessionId: string | null }
  | { kind: "accepted"; sessionId: string | null }
  | ({ kind: "event-stream" } & HandedStream)
  | { kind: "session-expired" };

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
  const forms = ex.secretForms;
  if (!forms) return accounted(ex, breaker, () => exchangeOnce(ex, expectId, sentSessionId));
  const outcome = await accounted(ex, breaker, () => exchangeOnce(scrubbing(ex, forms), expectId, sentSessionId));
  // A stream handed over unread is scrubbed by whoever reads it (continueExchange).
  return outcome.kind === "response" ? { ...outcome, response: forms.scrubJson(outcome.response) } : outcome;
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
  const forms = ex.secretForms;
  const read = forms ? scrubbing(ex, forms) : ex;
  const response = accounted(ex, breakerOf(ex), () =>
    withDeadline(ex, (signal, deadline) => readEventStream(body, reading(read, expectId, deadline, signal))),
  );
  return forms ? forms.scrubJson(await response) : response;
}

/** The exchange, passing the upstream's messages on with the registration's secrets replaced. */
function scrubbing(ex: Exchange, forms: SecretForms): Exchange {
  const { onMessage } = ex;
  if (!onMessage) return ex;
  const scrubbed = (message: JsonRpcMessage) =>
    ({ ...message, message: forms.scrubJson(message.message) }) as JsonRpcMessage;
  return { ...ex, onMessage: (message) => onMessage(scrubbed(message)) };
}

function breakerOf(ex: Exchange) {
  return breakerFor(ex.server, ex.url, ex.breaker, (state, at) => opsReport.breaker(ex.server, state, at));
}

function reading(ex: Exchange, expectId: RequestId, deadline: Deadline, signal: AbortSignal): StreamReading {
  const resume = ex.resumable ? (lastEventId: string) => resumeStream(ex, lastEventId, signal) : undefined;
  return { server: ex.server, expectId, deadline, signal, onMessage: ex.onMessage, resume };
}

/**
 * The rest of a request's event stream, asked for as the 2025 revisions say: a GET on the
 * session with the last event id seen. Anything but a new event stream ends the call.
 */
async function resumeStream(
  ex: Exchange,
  lastEventId: string,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetch(ex.url, {
      method: "GET",
      headers: { ...ex.headers, "last-event-id": lastEventId, accept: "text/event-stream" },
      signal,
      redirect: "manual",
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw errors.serverUnavailable(ex.server, "connection failed while resuming its event stream").markTransient();
  }
  if (response.ok && response.body && mediaType(response) === "text/event-stream") return response.body;
  await response.body?.cancel();
  const reason = `closed its event stream before answering, and answered HTTP ${response.status} to resuming it`;
  const error = errors.upstreamError(ex.server, reason, { status: response.status });
  throw response.status >= 500 ? error.markTransient() : error;
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
    if (ex.handOverStreams && response.ok && response.body && mediaType(response) === "text/event-stream") {
      const first = await answerOrStream(ex.server, response.body, expectId);
      if ("answer" in first) return { kind: "response", response: first.answer, sessionId };
      return { kind: "event-stream", ...first.stream };
    }
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
    return readEventStream(response.body, reading(ex, expectId, deadline, signal));
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

/** The media type of an answer, lower case, without parameters. */
export function mediaType(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function isJson(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json");
}

/**
 * Whether an answer to a request that named a session says the upstream no longer knows
 * it: the spec's 404, or the 400 with an id-less JSON-RPC error that servers built on the
 * SDK's examples answer. Reads (and so uses up) the body of a 400 JSON answer.
 */
export async function sessionForgotten(server: string, response: Response): Promise<boolean> {
  if (response.status === 404) return true;
  if (response.status !== 400 || !isJson(response)) return false;
  return isIdlessError(await readLimitedText(server, response));
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
