// How a McpSession answers its requests: the call pipeline's context over the session's
// own upstream sessions (owned links, which initialize and re-initialize as needed), with
// its client's declared facts, and the session's hooks (its log level, list changes heard
// during a call).
import type { Caller } from "../auth/principal.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { listsChanged } from "../gateway/pins/list-changed.js";
import type { ChangeFeed } from "../gateway/change-feed.js";
import { buildContext, type CallContext } from "../gateway/context.js";
import { OwnedUpstream } from "../gateway/owned-upstreams.js";
import { relayableCapabilities } from "../mcp/questions.js";
import type { Observer } from "../observe/observer.js";
import { rateGateFor } from "../ratelimit/rate-limits.js";
import { clientFactsOf, type SessionRecord, type SessionRecords } from "./session-record.js";
import type { UpstreamSlots } from "./upstream-slots.js";
import { pinStoreFor } from "../observe/tool-pins.js";
import { stateSealFor } from "./state-seal.js";
import type { TaskBook } from "./task-book.js";

export interface SessionParts {
  env: Env;
  records: SessionRecords;
  slots: UpstreamSlots;
  observer: Observer;
  background: (work: Promise<unknown>) => void;
  /** The GET stream's feed, while one is open. */
  feed: () => ChangeFeed | undefined;
  /** Which tool each task of the session runs. */
  tasks: TaskBook;
}

export async function sessionContext(
  parts: SessionParts,
  snapshot: ConfigSnapshot,
  record: SessionRecord,
  caller: Caller,
): Promise<CallContext> {
  const slots = await parts.slots.ready();
  // Upstreams may ask this client only what it declared it can answer.
  const clientCapabilities = relayableCapabilities(record.clientCapabilities);
  const { background } = parts;
  const ctx: CallContext = buildContext({
    snapshot,
    identity: record.identity,
    caller,
    at: "session-object",
    client: clientFactsOf(record),
    observer: parts.observer,
    rateGate: rateGateFor(parts.env.RATE_LIMITER),
    pins: pinStoreFor(parts.env),
    seal: stateSealFor(parts.env),
    background,
    session: {
      setLogLevel: (level) => parts.records.setLogLevel(record, level),
      // A list change noticed during a call: the feed decides whether this client hears of it.
      upstreamNotification: (server, notification) => {
        const feed = parts.feed();
        if (feed) void feed.receive(server, notification);
        else listsChanged(ctx, server, notification.method);
      },
      rememberTask: async (server, taskId, tool) => parts.tasks.remember(server, taskId, tool),
      taskTool: (server, taskId) => parts.tasks.toolOf(server, taskId),
    },
    reach: (server, limiter) =>
      new OwnedUpstream(
        server,
        slots.slot(server.name),
        limiter,
        { clientCapabilities, background, sse: slots.sse },
        `session:${record.id}`,
      ),
  });
  return ctx;
}
