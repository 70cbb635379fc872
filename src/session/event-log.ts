// The session's recent stream events, in Durable Object storage, so a client that lost
// a stream can reconnect with Last-Event-ID and get what it missed. Event ids are
// `<stream>-<seq>`: the stream they belong to and a session-wide sequence number. Only
// the newest MAX_EVENTS are kept; older ones are gone, and replay starts after them.
import { EVENT_KEY_PREFIX, NEXT_STREAM_KEY, eventKey } from "./storage-keys.js";

export const MAX_EVENTS = 1000;

interface StoredEvent {
  stream: number;
  data: string;
}

export interface ReplayedEvent {
  id: string;
  data: string;
}

export class EventLog {
  #nextSeq: number | undefined;
  #nextStream: number | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the counters once per object lifetime; call before newStream. */
  async ready(): Promise<void> {
    this.#nextStream ??= (await this.storage.get<number>(NEXT_STREAM_KEY)) ?? 1;
    await this.#loadSeq();
  }

  newStream(): number {
    if (this.#nextStream === undefined) throw new Error("EventLog.ready() was not awaited");
    const stream = this.#nextStream++;
    void this.storage.put(NEXT_STREAM_KEY, this.#nextStream);
    return stream;
  }

  /** Records a message of a stream; returns its event id. */
  append(stream: number, message: unknown): string {
    const seq = this.#nextSeq ?? 1;
    this.#nextSeq = seq + 1;
    const stored: StoredEvent = { stream, data: JSON.stringify(message) };
    void this.storage.put(eventKey(seq), stored);
    if (seq > MAX_EVENTS) void this.storage.delete(eventKey(seq - MAX_EVENTS));
    return `${stream}-${seq}`;
  }

  /** The priming id of a fresh stream: nothing of it to replay yet. */
  primingId(stream: number): string {
    return `${stream}-${(this.#nextSeq ?? 1) - 1}`;
  }

  /** The events of the stream named by `lastEventId` that came after it. */
  async since(lastEventId: string): Promise<{ stream: number; events: ReplayedEvent[] } | undefined> {
    const match = /^(\d{1,15})-(\d{1,15})$/.exec(lastEventId.trim());
    if (!match) return undefined;
    const stream = Number(match[1]);
    const after = Number(match[2]);
    const stored = await this.storage.list<StoredEvent>({ start: eventKey(after + 1), prefix: EVENT_KEY_PREFIX });
    const events: ReplayedEvent[] = [];
    for (const [key, event] of stored) {
      if (event.stream === stream)
        events.push({ id: `${stream}-${Number(key.slice(EVENT_KEY_PREFIX.length))}`, data: event.data });
    }
    return { stream, events };
  }

  async #loadSeq(): Promise<void> {
    if (this.#nextSeq !== undefined) return;
    const newest = await this.storage.list<StoredEvent>({ prefix: EVENT_KEY_PREFIX, reverse: true, limit: 1 });
    const [key] = newest.keys();
    this.#nextSeq = key === undefined ? 1 : Number(key.slice(EVENT_KEY_PREFIX.length)) + 1;
  }
}
