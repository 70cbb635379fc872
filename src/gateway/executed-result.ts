// What execute_tool answers: the tool's result as the tool gave it, inside the meta-tool's
// own shape. Its `content` (text, images, whatever the tool sent) and `isError` are the
// tool's, so a model sees what a direct call would show; `structuredContent` names the
// server and tool and carries the whole result unchanged. Errors, and a current-era
// `input_required` the client answers itself, pass through untouched.
import { isInputRequired } from "../mcp/eras.js";
import { resultResponse } from "../mcp/jsonrpc.js";
import type { Sent } from "./upstreams.js";

export function presentExecuted(sent: Sent, server: string, tool: string): Sent {
  if (sent.kind !== "answered" || !("result" in sent.response)) return sent;
  const result = sent.response.result;
  if (isInputRequired(result)) return sent;
  const content = Array.isArray(result["content"]) ? result["content"] : [];
  const shown = {
    content,
    structuredContent: { server, tool, result },
    ...(result["isError"] === true ? { isError: true } : {}),
    ...(result["_meta"] !== undefined ? { _meta: result["_meta"] } : {}),
  };
  return { kind: "answered", response: resultResponse(sent.response.id, shown) };
}
