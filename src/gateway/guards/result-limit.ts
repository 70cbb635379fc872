// A registration's `maxResultBytes`: a tool result larger than that (its JSON, in UTF-8
// bytes) has its text content cut, in order, with a note saying so, until it fits. What
// cannot be cut that way (structured content, which must stay whole to match the tool's
// outputSchema; images, audio, embedded blobs) is refused with RESULT_TOO_LARGE rather than
// sent broken or silently dropped.
import { errors } from "../../mcp/errors.js";
import { isInputRequired } from "../../mcp/eras.js";
import { resultResponse } from "../../mcp/jsonrpc.js";
import { answered, type Sent } from "../upstreams.js";

const encoder = new TextEncoder();
const bytes = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

export function limitResult(sent: Sent, server: string, tool: string, maxBytes: number | undefined): Sent {
  if (maxBytes === undefined || sent.kind !== "answered" || !("result" in sent.response)) return sent;
  const result = sent.response.result;
  if (isInputRequired(result)) return sent;
  const size = bytes(result);
  if (size <= maxBytes) return sent;
  const note = `\n[cut by the gateway: the result was ${size} bytes, more than this server's maxResultBytes (${maxBytes})]`;
  const content = Array.isArray(result["content"]) ? (result["content"] as unknown[]) : [];
  const lastText = content.findLastIndex(isText);
  // What the result weighs with every text emptied, and what is left for texts and the note.
  const emptied = { ...result, content: content.map((item) => (isText(item) ? { ...item, text: "" } : item)) };
  let remaining = maxBytes - bytes(emptied) - (bytes(note) - 2);
  if (lastText === -1 || remaining < 0) throw errors.resultTooLarge(server, tool, size, maxBytes);
  const cut = content.map((item, index) => {
    if (!isText(item)) return item;
    const kept = prefixWithin(item.text, remaining + 2);
    // Once one text is cut, the ones after it are left empty: no fragments after a gap.
    remaining = kept.length < item.text.length ? 0 : remaining - (bytes(kept) - 2);
    return { ...item, text: index === lastText ? `${kept}${note}` : kept };
  });
  return answered(resultResponse(sent.response.id, { ...result, content: cut }));
}

function isText(item: unknown): item is { type: "text"; text: string } {
  return (
    typeof item === "object" &&
    item !== null &&
    (item as { type?: unknown }).type === "text" &&
    typeof (item as { text?: unknown }).text === "string"
  );
}

/** The longest start of `text` whose JSON string form fits in `budget` bytes (quotes included), whole code points only. */
function prefixWithin(text: string, budget: number): string {
  if (bytes(text) <= budget) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytes(text.slice(0, mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  // Never split a surrogate pair.
  const end = low > 0 && /[\uD800-\uDBFF]/.test(text[low - 1]!) ? low - 1 : low;
  return text.slice(0, end);
}
