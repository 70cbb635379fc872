// A session stream whose events are recorded as they are sent, so the client can
// resume it on another connection (GET with Last-Event-ID) and get the rest.
import { SseWriter, type MessageStream } from "../wire/sse.js";
import type { EventLog } from "./event-log.js";

export class RecordedStream implements MessageStream {
  #writer: SseWriter;
  #done = false;

  constructor(
    private readonly log: EventLog,
    readonly stream: number,
    headers: Record<string, string> = {},
    /** The client's connection went away (the stream itself may go on, recorded). */
    private readonly onDisconnect?: () => void,
  ) {
    this.#writer = this.#connect(headers);
  }

  get response(): Response {
    return this.#writer.response;
  }

  /** Finished: every event it will ever have is recorded. */
  get done(): boolean {
    return this.#done;
  }

  /** Whether a client is reading it right now. */
  get connected(): boolean {
    return !this.#writer.closed;
  }

  send(message: unknown): void {
    const id = this.log.append(this.stream, message);
    this.#writer.send(message, id);
  }

  close(): void {
    this.#done = true;
    this.#writer.close();
  }

  /** A reconnecting client takes the stream over from here (after its replay). */
  resume(replayed: Array<{ id: string; data: string }>, lastEventId: string): Response {
    // Swap before closing: the old connection ending is not the client going away.
    const old = this.#writer;
    this.#writer = this.#connect({}, lastEventId);
    old.close();
    for (const event of replayed) this.#writer.send(JSON.parse(event.data), event.id);
    if (this.#done) this.#writer.close();
    return this.#writer.response;
  }

  /** A stream no longer going on (its request answered, or the object restarted): replay, then end. */
  static replayFinished(
    log: EventLog,
    stream: number,
    replayed: Array<{ id: string; data: string }>,
    lastEventId: string,
  ): Response {
    const finished = new RecordedStream(log, stream);
    finished.#done = true;
    return finished.resume(replayed, lastEventId);
  }

  #connect(headers: Record<string, string>, primingId = this.log.primingId(this.stream)): SseWriter {
    const writer: SseWriter = new SseWriter({
      headers,
      primingId,
      onClose: () => {
        if (this.#writer === writer && !this.#done) this.onDisconnect?.();
      },
    });
    return writer;
  }
}
