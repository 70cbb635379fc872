// A stand-in OpenTelemetry collector for end-to-end tests, on loopback: it accepts OTLP/HTTP
// trace exports in the JSON encoding (POST, application/json), decodes each strictly as
// opentelemetry-proto's JSON mapping says (hex ids of the right length, kinds and status
// codes as numbers, times as decimal strings of nanoseconds, typed attribute values), and
// keeps the spans with their resource and the headers they came with. A malformed export
// is answered 400 and remembered, so a test can assert there were none.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Record<string, string | number | boolean>;
  statusCode: number;
  resource: Record<string, string | number | boolean>;
  scope: { name: string; version: string };
  /** The headers of the export request it came in. */
  headers: http.IncomingHttpHeaders;
}

export interface OtlpReceiver {
  /** The traces URL, `http://127.0.0.1:<port>/v1/traces`. */
  url: string;
  spans: ReceivedSpan[];
  /** Exports that could not be decoded, with why. */
  malformed: string[];
  stop(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const malformed: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        if (req.method !== "POST" || req.url !== "/v1/traces") throw new Error(`${req.method} ${req.url}`);
        if (req.headers["content-type"] !== "application/json")
          throw new Error(`content-type ${req.headers["content-type"]}`);
        spans.push(...decodeExport(JSON.parse(Buffer.concat(chunks).toString("utf8")), req.headers));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (error) {
        malformed.push(String(error));
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    malformed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Json = Record<string, unknown>;

function decodeExport(body: unknown, headers: http.IncomingHttpHeaders): ReceivedSpan[] {
  const decoded: ReceivedSpan[] = [];
  for (const resourceSpans of array(object(body)["resourceSpans"], "resourceSpans")) {
    const resource = decodeAttributes(object(object(resourceSpans)["resource"])["attributes"]);
    for (const scopeSpans of array(object(resourceSpans)["scopeSpans"], "scopeSpans")) {
      const scope = object(object(scopeSpans)["scope"]) as { name: string; version: string };
      for (const span of array(object(scopeSpans)["spans"], "spans"))
        decoded.push({ ...decodeSpan(object(span)), resource, scope, headers });
    }
  }
  return decoded;
}

function decodeSpan(span: Json): Omit<ReceivedSpan, "resource" | "scope" | "headers"> {
  const traceId = hex(span["traceId"], 32, "traceId");
  const spanId = hex(span["spanId"], 16, "spanId");
  const parentSpanId = span["parentSpanId"] === undefined ? undefined : hex(span["parentSpanId"], 16, "parentSpanId");
  if (typeof span["name"] !== "string" || span["name"] === "") throw new Error("span without a name");
  const kind = span["kind"];
  if (typeof kind !== "number" || !Number.isInteger(kind) || kind < 0 || kind > 5) throw new Error(`kind ${kind}`);
  const startNanos = nanos(span["startTimeUnixNano"]);
  const endNanos = nanos(span["endTimeUnixNano"]);
  if (endNanos < startNanos) throw new Error("a span that ends before it starts");
  const status = object(span["status"] ?? {});
  const statusCode = status["code"] ?? 0;
  if (statusCode !== 0 && statusCode !== 1 && statusCode !== 2) throw new Error(`status code ${String(statusCode)}`);
  const attributes = decodeAttributes(span["attributes"] ?? []);
  return { traceId, spanId, parentSpanId, name: span["name"], kind, startNanos, endNanos, attributes, statusCode };
}

function decodeAttributes(list: unknown): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const entry of array(list, "attributes")) {
    const { key, value } = object(entry) as { key: unknown; value: unknown };
    if (typeof key !== "string") throw new Error("attribute without a key");
    const typed = object(value);
    const kinds = Object.keys(typed);
    if (kinds.length !== 1) throw new Error(`attribute ${key}: ${kinds.length} value kinds`);
    const [kind] = kinds as [string];
    const raw = typed[kind];
    if (kind === "stringValue" && typeof raw === "string") attributes[key] = raw;
    else if (kind === "boolValue" && typeof raw === "boolean") attributes[key] = raw;
    else if (kind === "doubleValue" && typeof raw === "number") attributes[key] = raw;
    // int64 is a decimal string in OTLP JSON (a number is tolerated by decoders; we want the string).
    else if (kind === "intValue" && typeof raw === "string" && /^-?\d+$/.test(raw)) attributes[key] = Number(raw);
    else throw new Error(`attribute ${key}: ${kind} ${JSON.stringify(raw)}`);
  }
  return attributes;
}

function hex(value: unknown, length: number, what: string): string {
  if (typeof value !== "string" || value.length !== length || !/^[0-9a-f]+$/.test(value) || /^0+$/.test(value))
    throw new Error(`${what} ${JSON.stringify(value)} is not ${length} lowercase hex digits`);
  return value;
}

function nanos(value: unknown): bigint {
  if (typeof value !== "string" || !/^\d{19}$/.test(value)) throw new Error(`time ${JSON.stringify(value)}`);
  return BigInt(value);
}

function object(value: unknown): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`not an object: ${JSON.stringify(value)}`);
  return value as Json;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not an array`);
  return value;
}
