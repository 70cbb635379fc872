// A client session's streams: answers that became event streams (live while their
// request is in flight) and the GET stream, all recorded in the session's event log so a
// client that lost one resumes it with GET + Last-Event-ID. While the GET stream is open,
// the session listens to its upstreams and relays what changes for this client.
import { MAX_UPSTREAM_FETCHES } from "../upstream/limiter.js";
import { UpstreamListener } from "../upstream/listener.js";
import { ChangeFeed } from "../gateway/change-feed.js";
import type { CallContext } from "../gateway/context.js";
import { OwnedUpstream } from "../gateway/owned-upstreams.js";
import { log } from "../observe/log.js";
import { Reply } from "../wire/reply.js";
import type { ResponseFormat } from "../wire/responses.js";
import { EventLog } from "./event-log.js";
import { RecordedStream } from "./recorded-stream.js";

/**
 * Upstreams listened to at most: each open stream holds one of the invocation's six
 * connections, and one is left for fetching the lists their changes make stale.
 */
const MAX_LISTENED = MAX_UPSTREAM_FETCHES - 1;

export class SessionStreams {
  readonly #events: EventLog;
  /** Streams of requests still in flight, by stream number: a reconnect resumes them. */
  readonly #live = new Map<number, RecordedStream>();
  /** The GET stream, and the upstream listeners that feed it while it is open. */
  #notifications: RecordedStream | undefined;
  #listeners: UpstreamListener[] = [];
  #feed: ChangeFeed | undefined;

  constructor(
    storage: DurableObjectStorage,
    private readonly background: (work: Promise<unknown>) => void,
  ) {
    this.#events = new EventLog(storage);
  }

  /** The answer to one POST, whose stream (if it becomes one) is recorded. */
  async reply(format: ResponseFormat, streamable: boolean): Promise<Reply> {
    await this.#events.ready();
    return new Reply({
      format,
      streamable,
      openStream: () => {
        const stream = new RecordedStream(this.#events, this.#events.newStream());
        this.#live.set(stream.stream, stream);
        return stream;
      },
    });
  }

  /** Streams whose request was answered are no longer resumed live. */
  sweep(): void {
    for (const [stream, live] of this.#live) if (live.done) this.#live.delete(stream);
  }

  /** Where an upstream notification noticed during a call goes: the GET stream's feed, if open. */
  get feed(): ChangeFeed | undefined {
    return this.#feed;
  }

  /**
   * The GET stream. With Last-Event-ID, the stream that id belongs to is replayed from
   * there and, if still going, continued on this connection.
   */
  async open(lastEventId: string | null, listenWith: () => Promise<CallContext>): Promise<Response> {
    await this.#events.ready();
    if (lastEventId !== null) {
      const resumed = await this.#resume(lastEventId, listenWith);
      if (resumed) return resumed;
    }
    this.#notifications?.close();
    this.#stopListening();
    const stream = new RecordedStream(this.#events, this.#events.newStream(), {}, () => this.#stopListening());
    this.#notifications = stream;
    this.#listen(stream, await listenWith());
    return stream.response;
  }

  async #resume(lastEventId: string, listenWith: () => Promise<CallContext>): Promise<Response | undefined> {
    const missed = await this.#events.since(lastEventId);
    if (!missed) return undefined;
    const live = this.#live.get(missed.stream);
    if (live) return live.resume(missed.events, lastEventId);
    const notifications = this.#notifications;
    if (notifications?.stream !== missed.stream)
      return RecordedStream.replayFinished(this.#events, missed.stream, missed.events, lastEventId);
    const resumed = notifications.resume(missed.events, lastEventId);
    // The client was away long enough for listening to stop: listen again.
    if (this.#listeners.length === 0) this.#listen(notifications, await listenWith());
    return resumed;
  }

  /** Listens to the visible upstreams (up to MAX_LISTENED) while the GET stream is open. */
  #listen(stream: RecordedStream, ctx: CallContext): void {
    const feed = new ChangeFeed(ctx, (notification) => stream.send(notification));
    this.#feed = feed;
    this.background(feed.baseline().catch(() => undefined));
    const owned = ctx.upstreams.filter((u): u is OwnedUpstream => u instanceof OwnedUpstream);
    const listened = owned.slice(0, MAX_LISTENED);
    if (owned.length > listened.length)
      log("warn", "session.listen_capped", { listening: listened.length, upstreams: owned.length });
    this.#listeners = listened.map(
      ({ link }) => new UpstreamListener(link, (notification) => void feed.receive(link.server.name, notification)),
    );
    for (const listener of this.#listeners) this.background(listener.start());
  }

  #stopListening(): void {
    for (const listener of this.#listeners) listener.stop();
    this.#listeners = [];
    this.#feed = undefined;
  }

  /** The session ended: every stream closes, listening stops. */
  close(): void {
    this.#stopListening();
    this.#notifications?.close();
    this.#notifications = undefined;
    for (const stream of this.#live.values()) stream.close();
    this.#live.clear();
  }
}
