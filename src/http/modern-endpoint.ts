// The endpoint for current-era (2026-07-28) clients: every request stands alone, so it
// is answered here in the Worker, with no session object in the way. Legacy upstreams
// are reached through their HeldUpstreamSession; current-era ones directly.
// `subscriptions/listen` streams the list changes and resource updates this principal
// may see, for as long as the client keeps the stream open.
import type { Context } from "hono";
import type { AppEnv } from "./context.js";
import { callerOf, identityOf, type Identity } from "../auth/principal.js";
import { errors } from "../mcp/errors.js";
import { asRecord, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from "../mcp/jsonrpc.js";
import { META, type Envelope } from "../mcp/eras.js";
import { policyFor } from "../gateway/access.js";
import { route, type GatewayContext } from "../gateway/router.js";
import type { ClientChannel } from "../gateway/client-channel.js";
import { ChangeFeed, type FeedWants } from "../gateway/change-feed.js";
import { Limiter, MAX_UPSTREAM_FETCHES } from "../upstream/limiter.js";
import { StatelessLink } from "../upstream/stateless-link.js";
import { heldEvents } from "../session/held-events.js";
import { UpstreamLink } from "../upstream/upstream-link.js";
import { discover } from "../upstream/era.js";
import { UpstreamListener } from "../upstream/listener.js";
import { Reply } from "./reply.js";
import { acceptedResponse, errorHttpResponse, type ResponseFormat } from "./responses.js";
import { SseWriter } from "./sse.js";
import { log } from "../observe/log.js";
import { observerFor } from "../observe/observer.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";

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
  if (request.method === "subscriptions/listen") return listen(c, request, envelope);

  const ctx = statelessContext(c);
  // In this era a client cancels by going away: noticed by the runtime, or by a failed write.
  const cancel = new AbortController();
  c.req.raw.signal.addEventListener("abort", () => cancel.abort(), { once: true });
  const reply: Reply = new Reply({
    format,
    streamable,
    heartbeatAfterMs: HEARTBEAT_MS,
    openStream: () => new SseWriter({ onClose: () => reply.done || cancel.abort() }),
  });
  const channel: ClientChannel = {
    era: "modern",
    capabilities: envelope.clientCapabilities,
    ...(envelope.logLevel !== undefined ? { logLevel: envelope.logLevel } : {}),
    notify: (notification) => reply.send(notification),
    signal: cancel.signal,
  };
  const work = route(request, { ...ctx, channel })
    .then((response) => reply.finish([response], false))
    .catch((error: unknown) => {
      log("error", "modern.request_failed", { reason: String(error) });
      reply.fail(errorHttpResponse(errors.internal(), request.id));
    });
  c.executionCtx.waitUntil(work);
  return reply.response;
}

function statelessContext(c: Ctx): GatewayContext {
  const snapshot = c.get("snapshot");
  const principal = c.get("principal");
  const identity = identityOf(principal);
  const policy = policyFor(snapshot, identity);
  const limiter = new Limiter();
  const owner = ownerOf(identity);
  // Upstreams the principal can see nothing of are never contacted.
  const links = [...snapshot.servers.values()]
    .filter((server) => policy.decideServer(server.name).allowed)
    .map(
      (server) =>
        new StatelessLink(server, limiter, c.env.HELD_UPSTREAM, identity.agent, owner, (work) =>
          c.executionCtx.waitUntil(work),
        ),
    );
  return {
    snapshot,
    links,
    policy,
    identity,
    caller: callerOf(principal, c.get("requestId")),
    observer: observerFor(c.env, (p) => c.executionCtx.waitUntil(p)),
    rateGate: rateGateFor(c.env.RATE_LIMITER),
  };
}

/** Who may resume a suspended call: exactly the identity that made it. */
function ownerOf(identity: Identity): string {
  return JSON.stringify([identity.agent, identity.delegate ?? null, identity.virtualServer ?? null]);
}

/**
 * `subscriptions/listen`: acknowledges the notification types it will honour, then relays
 * what changes for this principal. Upstream listening lasts as long as the stream; a
 * legacy upstream gets a session of its own for it, ended with the stream.
 */
async function listen(c: Ctx, request: JsonRpcRequest, envelope: Envelope): Promise<Response> {
  const filter = asRecord(request.params?.["notifications"]);
  const uris = Array.isArray(filter["resourceSubscriptions"])
    ? filter["resourceSubscriptions"].filter((u): u is string => typeof u === "string")
    : [];
  const wants: FeedWants = {
    tools: filter["toolsListChanged"] === true,
    prompts: filter["promptsListChanged"] === true,
    resources: filter["resourcesListChanged"] === true || uris.length > 0,
    ...(filter["resourcesListChanged"] === true ? {} : { resourceUris: new Set(uris) }),
  };
  const honoured = {
    ...(wants.tools ? { toolsListChanged: true } : {}),
    ...(wants.prompts ? { promptsListChanged: true } : {}),
    ...(filter["resourcesListChanged"] === true ? { resourcesListChanged: true } : {}),
    ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}),
  };
  if (!wants.tools && !wants.prompts && !wants.resources) {
    return errorHttpResponse(errors.invalidParams("subscriptions/listen asks for no notifications"), request.id, {});
  }

  const ctx = statelessContext(c);
  const stamp = { [META.subscriptionId]: request.id };
  const listeners: UpstreamListener[] = [];
  const readers: ReadableStream<Uint8Array>[] = [];
  const stream = new SseWriter({
    onClose: () => {
      for (const listener of listeners) listener.stop();
      for (const reader of readers) void reader.cancel().catch(() => undefined);
    },
  });
  const send = (notification: { jsonrpc: "2.0"; method: string; params?: Record<string, unknown> }) =>
    stream.send({
      ...notification,
      params: { ...notification.params, _meta: { ...asRecord(notification.params?.["_meta"]), ...stamp } },
    });
  c.req.raw.signal.addEventListener("abort", () => stream.close(), { once: true });

  const start = async () => {
    const channel: ClientChannel = {
      era: "modern",
      capabilities: envelope.clientCapabilities,
      ...(envelope.logLevel !== undefined ? { logLevel: envelope.logLevel } : {}),
      notify: (notification) => (send(notification), true),
    };
    const feed = new ChangeFeed(ctx, send, wants, channel);
    await feed.baseline().catch(() => undefined);
    send({ jsonrpc: "2.0", method: "notifications/subscriptions/acknowledged", params: { notifications: honoured } });
    const limiter = new Limiter(MAX_UPSTREAM_FETCHES);
    for (const server of ctx.links.map((l) => l.server).slice(0, MAX_UPSTREAM_FETCHES)) {
      if (stream.closed) break;
      const era = await discover(server, limiter).catch(() => undefined);
      if (!era) continue;
      const readable = uris.filter((uri) => ctx.policy.decide("resources", server.name, uri).allowed);
      const receive = (n: JsonRpcNotification) => void feed.receive(server.name, n);
      if (era.era === "modern") {
        const link = new UpstreamLink(server, { save: () => undefined }, limiter);
        const listener = new UpstreamListener(link, receive, { resourceSubscriptions: readable });
        listeners.push(listener);
        c.executionCtx.waitUntil(listener.start());
        continue;
      }
      // A legacy upstream's changes may concern the very session this agent's calls use:
      // listen on that held session.
      const held = c.env.HELD_UPSTREAM.get(c.env.HELD_UPSTREAM.idFromName(`${ctx.identity.agent}\n${server.name}`));
      const lines = (await held.listen(server.name)) as ReadableStream<Uint8Array>;
      readers.push(lines);
      c.executionCtx.waitUntil(readHeldNotifications(lines, receive));
      for (const uri of readable) {
        void ctx.links
          .find((l) => l.server.name === server.name)
          ?.request("resources/subscribe", { uri })
          .catch(() => undefined);
      }
    }
  };
  c.executionCtx.waitUntil(start().catch((error) => log("warn", "listen.failed", { reason: String(error) })));
  return stream.response;
}

/** Notification lines from a held session, until its stream ends or is cancelled. */
async function readHeldNotifications(
  lines: ReadableStream<Uint8Array>,
  receive: (notification: JsonRpcNotification) => void,
): Promise<void> {
  try {
    for await (const event of heldEvents(lines)) if ("notification" in event) receive(event.notification);
  } catch {
    // The client closed its stream: nothing more to relay.
  }
}
