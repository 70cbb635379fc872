// JSON-RPC ids for what the gateway sends upstream: unique per isolate, tagged so that a
// log line or an upstream's record shows which isolate sent it.

const isolateTag = Math.random().toString(36).slice(2, 8);
let next = 1;

export function upstreamRequestId(kind = ""): string {
  return `gw-${isolateTag}-${kind}${next++}`;
}
