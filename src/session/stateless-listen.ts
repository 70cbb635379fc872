// `subscriptions/listen` for a 2026-07-28 client: acknowledges the notification types it
// will honour, then relays what changes for this principal (list changes it would see,
// updates of resources it may read), each stamped with the listen request's id, for as
// long as the client keeps the stream open, and configuration changes that alter its view.
// Upstream listening lasts as long as the stream.
import { errors } from "../mcp/errors.js";
import { asRecord, type JsonRpcNotification, type JsonRpcRequest } from "../mcp/jsonrpc.js";
import { META } from "../mcp/eras.js";
import { ChangeFeed, type FeedWants } from "../gateway/change-feed.js";
import type { CallContext } from "../gateway/context.js";
import { log } from "../observe/log.js";
import { MAX_UPSTREAM_FETCHES } from "../upstream/limiter.js";
import { SseWriter } from "../wire/sse.js";
import { StatelessUpstream, type Listening } from "./stateless-upstream.js";

/** Upstreams listened to at most: one of the invocation's connections is left for lists. */
const MAX_LISTENED = MAX_UPSTREAM_FETCHES - 1;

interface ListenFilter {
  wants: FeedWants;
  /** The notification types acknowledged. */
  honoured: Record<string, unknown>;
  uris: string[];
}

/**
 * What the client asked to hear, of what it may: resource subscriptions only for URIs its
 * policy lets it read on some upstream. A GatewayError when it asked for nothing.
 */
export function listenFilter(request: JsonRpcRequest, ctx: CallContext): ListenFilter {
  const filter = asRecord(request.params?.["notifications"]);
  const raw = filter["resourceSubscriptions"];
  const asked = Array.isArray(raw) ? raw.filter((u): u is string => typeof u === "string") : [];
  const readable = (uri: string) =>
    ctx.upstreams.some((u) => ctx.policy.decide("resources", u.server.name, uri).allowed);
  const uris = asked.filter(readable);
  const everyResource = filter["resourcesListChanged"] === true;
  const wants: FeedWants = {
    tools: filter["toolsListChanged"] === true,
    prompts: filter["promptsListChanged"] === true,
    resources: everyResource || asked.length > 0,
    ...(everyResource ? {} : { resourceUris: new Set(uris) }),
  };
  if (!wants.tools && !wants.prompts && !wants.resources)
    throw errors.invalidParams("subscriptions/listen asks for no notifications").about(request.id);
  const honoured = {
    ...(wants.tools ? { toolsListChanged: true } : {}),
    ...(wants.prompts ? { promptsListChanged: true } : {}),
    ...(everyResource ? { resourcesListChanged: true } : {}),
    ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}),
  };
  return { wants, honoured, uris };
}

export function listen(
  ctx: CallContext,
  request: JsonRpcRequest,
  filter: ListenFilter,
  signal: AbortSignal,
  background: (work: Promise<unknown>) => void,
  /** Calls back with a context of each new configuration revision until undone. */
  watchConfig: (onChange: (next: CallContext) => void) => () => void = () => () => undefined,
): Response {
  const listening: Listening[] = [];
  let unwatch = () => undefined as void;
  const stream = new SseWriter({
    onClose: () => {
      unwatch();
      listening.forEach((l) => l.stop());
    },
  });
  const stamp = { [META.subscriptionId]: request.id };
  const send = (notification: JsonRpcNotification) =>
    stream.send({
      ...notification,
      params: { ...notification.params, _meta: { ...asRecord(notification.params?.["_meta"]), ...stamp } },
    });
  signal.addEventListener("abort", () => stream.close(), { once: true });

  const start = async () => {
    const feed = new ChangeFeed(ctx, send, filter.wants);
    await feed.baseline().catch(() => undefined);
    // A configuration change that alters what the client may see is announced like a list change.
    if (!stream.closed) unwatch = watchConfig((next) => background(feed.rebase(next)));
    send({
      jsonrpc: "2.0",
      method: "notifications/subscriptions/acknowledged",
      params: { notifications: filter.honoured },
    });
    const upstreams = ctx.upstreams.filter((u): u is StatelessUpstream => u instanceof StatelessUpstream);
    for (const upstream of upstreams.slice(0, MAX_LISTENED)) {
      if (stream.closed) break;
      const readable = filter.uris.filter((uri) => ctx.policy.decide("resources", upstream.server.name, uri).allowed);
      const receive = (n: JsonRpcNotification) => void feed.receive(upstream.server.name, n);
      const started = await upstream.listen(receive, readable).catch(() => undefined);
      if (!started) continue;
      listening.push(started);
      background(started.done);
      if (stream.closed) started.stop();
    }
  };
  background(start().catch((error) => log("warn", "listen.failed", { reason: String(error) })));
  return stream.response;
}
