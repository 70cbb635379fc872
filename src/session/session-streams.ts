// A client session's streams: answers that became event streams (live while their
// request is in flight) and the GET stream, all recorded in the session's event log so a
// client that lost one resumes it with GET + Last-Event-ID. What the GET stream carries
// while it is open is session-listening.ts's business.
import { Reply } from "../wire/reply.js";
import type { ResponseFormat } from "../wire/responses.js";
import { EventLog } from "./event-log.js";
import { RecordedStream } from "./recorded-stream.js";

/** What the GET stream's owner is told: a client reads it (again), or went away. */
export interface GetStreamWatch {
  opened(stream: RecordedStream): Promise<void>;
  closed(stream: RecordedStream): void;
  /** Whether the upstreams are still heard on it: a resumed stream that is not gets them again. */
  hearing(stream: RecordedStream): boolean;
}

export class SessionStreams {
  readonly #events: EventLog;
  /** Streams of requests still in flight, by stream number: a reconnect resumes them. */
  readonly #live = new Map<number, RecordedStream>();
  #notifications: RecordedStream | undefined;

  constructor(storage: DurableObjectStorage) {
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

  /**
   * The GET stream. With Last-Event-ID, the stream that id belongs to is replayed from
   * there and, if still going, continued on this connection.
   */
  async open(lastEventId: string | null, watch: GetStreamWatch): Promise<Response> {
    await this.#events.ready();
    if (lastEventId !== null) {
      const resumed = await this.#resume(lastEventId, watch);
      if (resumed) return resumed;
    }
    const previous = this.#notifications;
    previous?.close();
    if (previous) watch.closed(previous);
    const stream: RecordedStream = new RecordedStream(this.#events, this.#events.newStream(), {}, () =>
      watch.closed(stream),
    );
    this.#notifications = stream;
    await watch.opened(stream);
    return stream.response;
  }

  async #resume(lastEventId: string, watch: GetStreamWatch): Promise<Response | undefined> {
    const missed = await this.#events.since(lastEventId);
    if (!missed) return undefined;
    const live = this.#live.get(missed.stream);
    if (live) return live.resume(missed.events, lastEventId);
    const notifications = this.#notifications;
    if (notifications?.stream !== missed.stream)
      return RecordedStream.replayFinished(this.#events, missed.stream, missed.events, lastEventId);
    const resumed = notifications.resume(missed.events, lastEventId);
    // The client was away long enough for listening to stop: listen again.
    if (!watch.hearing(notifications)) await watch.opened(notifications);
    return resumed;
  }

  /** The session ended: every stream closes. */
  close(): void {
    this.#notifications?.close();
    this.#notifications = undefined;
    for (const stream of this.#live.values()) stream.close();
    this.#live.clear();
  }
}
