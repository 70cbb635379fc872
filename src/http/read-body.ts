// Reads a request body within a size and a time: settings.maxBodyBytes and
// settings.bodyReadTimeoutMs. One loop enforces both, so the deadline covers every byte,
// however the body arrives (with a Content-Length, chunked, trickling). Says what became of
// the body as a value; what to answer and log is post-body.ts's business.

export type BodyRead =
  | { kind: "read"; bytes: Uint8Array }
  | { kind: "too-large" }
  /** The deadline passed before the body ended; reading was cancelled. */
  | { kind: "too-slow"; bytesRead: number }
  /** The body broke off: the client went away, or sent less than its Content-Length. */
  | { kind: "cut-short"; bytesRead: number; reason: string };

export async function readBody(request: Request, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  const declared = declaredLength(request);
  if (declared !== undefined && declared > maxBytes) return { kind: "too-large" };
  if (!request.body) return { kind: "read", bytes: new Uint8Array() };
  if (declared !== undefined) return readDeclared(request, declared, timeoutMs);
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"deadline">((resolve) => (timer = setTimeout(() => resolve("deadline"), timeoutMs)));
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "deadline") {
        void reader.cancel().catch(() => undefined);
        return { kind: "too-slow", bytesRead: size };
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) {
        void reader.cancel().catch(() => undefined);
        return { kind: "too-large" };
      }
      chunks.push(next.value);
    }
  } catch (error) {
    return { kind: "cut-short", bytesRead: size, reason: String(error) };
  } finally {
    clearTimeout(timer);
  }
  if (declared !== undefined && size < declared)
    return { kind: "cut-short", bytesRead: size, reason: `${size} of ${declared} bytes arrived` };
  return { kind: "read", bytes: concatenate(chunks, size) };
}

/** A body with a Content-Length (within the limit): read in one go, against the deadline. */
async function readDeclared(request: Request, declared: number, timeoutMs: number): Promise<BodyRead> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"deadline">((resolve) => (timer = setTimeout(() => resolve("deadline"), timeoutMs)));
  try {
    const read = await Promise.race([new Response(request.body).arrayBuffer(), deadline]);
    if (read === "deadline") return { kind: "too-slow", bytesRead: 0 };
    if (read.byteLength < declared)
      return {
        kind: "cut-short",
        bytesRead: read.byteLength,
        reason: `${read.byteLength} of ${declared} bytes arrived`,
      };
    return { kind: "read", bytes: new Uint8Array(read) };
  } catch (error) {
    return { kind: "cut-short", bytesRead: 0, reason: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

function declaredLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}

function concatenate(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
