// The endpoint for current-era (2026-07-28) clients: every request stands alone, so it
// is answered here in the Worker, with no session object in the way (the upstreams are
// reached as session/worker-modern.ts says). An answer slower than HEARTBEAT_MS becomes
// an event stream with a heartbeat, so that a client that went away is noticed and its
// call cancelled. `subscriptions/listen` streams what changes for this principal.
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { identityOf, type Caller } from "../auth/principal.js";
import { callerFor } from "./caller.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { configStore } from "../config/store.js";
import { errors } from "../mcp/errors.js";
import { offeredIn } from "../mcp/methods.js";
import type { JsonRpcMessage } from "../mcp/jsonrpc.js";
import type { Envelope } from "../mcp/eras.js";
import { openChannel, type ClientFacts } from "../gateway/client-channel.js";
import { countUnrouted } from "../gateway/call.js";
import { route } from "../gateway/router.js";
import { statelessContext } from "../session/worker-modern.js";
import { listen, listenFilter } from "../session/stateless-listen.js";
import { Reply } from "../wire/reply.js";
import { acceptedResponse, errorHttpResponse, type ResponseFormat } from "../wire/responses.js";
import { SseWriter } from "../wire/sse.js";
import { log } from "../observe/log.js";

type Ctx = Context<AppEnv>;

/** A call still unanswered after this is streamed with a heartbeat, so a departed client is noticed. */
const HEARTBEAT_MS = 1000;

export async function handleModern(
  c: Ctx,
  message: Extract<JsonRpcMessage, { kind: "request" | "notification" }>,
  envelope: Envelope,
  format: ResponseFormat,
  streamable: boolean,
): Promise<Response> {
  // Cancellation is the client closing its connection in this era; notifications need no answer.
  if (message.kind === "notification") return acceptedResponse();
  const request = message.message;
  const client: ClientFacts = { era: "modern", capabilities: envelope.clientCapabilities, logLevel: envelope.logLevel };
  const contextWith = contextMaker(c, client, await callerFor(c));
  const ctx = contextWith(c.get("snapshot"));
  if (!offeredIn(request.method, "modern")) {
    // A method this revision does not have (one it removed, such as initialize or ping, or an
    // unknown one): HTTP 404 with -32601, before its params are looked at, as the revision
    // says. Counted against the agent's request limit like any request.
    await countUnrouted(request, ctx);
    return errorHttpResponse(errors.methodNotFound(request.method, 404), request.id);
  }
  if (request.method === "subscriptions/listen") {
    // Not routed, but a request like any other: it counts against the agent's request limit.
    await countUnrouted(request, ctx);
    const filter = listenFilter(request, ctx);
    const watch = (onChange: (next: typeof ctx) => void) =>
      configStore(c.env).watch((snapshot) => onChange(contextWith(snapshot)));
    return listen(ctx, request, filter, c.req.raw.signal, (work) => c.executionCtx.waitUntil(work), watch);
  }

  // In this era a client cancels by going away: noticed by the runtime, or by a failed write.
  const cancel = new AbortController();
  c.req.raw.signal.addEventListener("abort", () => cancel.abort(), { once: true });
  const reply: Reply = new Reply({
    format,
    streamable,
    heartbeatAfterMs: HEARTBEAT_MS,
    openStream: () => new SseWriter({ onClose: () => reply.done || cancel.abort() }),
  });
  const channel = openChannel(client, { notify: (notification) => reply.send(notification), signal: cancel.signal });
  const work = route(request, ctx, { channel })
    .then((routed) => {
      // The Worker's upstreams finish what they start: nothing is handed over in this era.
      if (routed.kind === "handed-over") throw new Error("a 2026-07-28 request was handed over");
      reply.finish([routed.response], false);
    })
    .catch((error: unknown) => {
      log("error", "modern.request_failed", { reason: String(error) });
      reply.fail(errorHttpResponse(errors.internal(), request.id));
    });
  c.executionCtx.waitUntil(work);
  return reply.response;
}

/** This request's context under a snapshot: the one in force, or a later one a listener is told of. */
function contextMaker(c: Ctx, client: ClientFacts, caller: Caller) {
  return (snapshot: ConfigSnapshot) =>
    statelessContext({
      env: c.env,
      snapshot,
      identity: identityOf(c.get("principal")),
      caller,
      client,
      background: (work) => c.executionCtx.waitUntil(work),
    });
}
