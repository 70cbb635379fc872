// The upstream sessions an object owns, one SessionSlot per upstream, kept in its
// storage under `upstream:<server>` so they survive eviction: loaded once per object
// lifetime, written whenever a link learns or forgets a session. The event streams of
// upstreams on the HTTP+SSE transport live only in memory (`sse`): after an eviction such
// a session is opened afresh.
import type { SessionSlot, UpstreamState } from "../upstream/link.js";
import { SseChannels } from "../upstream/sse-channel.js";
import { UPSTREAM_KEY_PREFIX, upstreamKey } from "./storage-keys.js";

export class UpstreamSlots {
  #slots: Map<string, SessionSlot> | undefined;
  /** The HTTP+SSE transport streams of these sessions. */
  readonly sse = new SseChannels();
  /** Once the session ended, nothing more is written. */
  #ended = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the stored sessions, once per object lifetime; call before slot(). */
  async ready(): Promise<this> {
    await this.#load();
    return this;
  }

  /** The slot of one upstream, made empty if the object never had a session with it. */
  slot(server: string): SessionSlot {
    const slots = this.#slots;
    if (!slots) throw new Error("UpstreamSlots.ready() was not awaited");
    let slot = slots.get(server);
    if (!slot) slots.set(server, (slot = this.#slotOf(server, undefined)));
    return slot;
  }

  /** Every upstream session the object holds, as a Worker may borrow them. */
  async states(): Promise<Map<string, UpstreamState>> {
    const states = new Map<string, UpstreamState>();
    for (const [server, slot] of await this.#load()) if (slot.state) states.set(server, slot.state);
    return states;
  }

  /** The upstream forgot this session (a Worker found out): re-open it on next use. */
  async forget(server: string, sessionId: string): Promise<void> {
    const slot = (await this.#load()).get(server);
    if (slot?.state?.sessionId !== sessionId) return;
    slot.state = undefined;
    slot.save(undefined);
  }

  /** The session ended: forget every slot, write nothing more. */
  end(): void {
    this.#ended = true;
    for (const server of this.#slots?.keys() ?? []) this.sse.close(server);
    this.#slots = new Map();
  }

  async #load(): Promise<Map<string, SessionSlot>> {
    if (this.#slots) return this.#slots;
    const stored = await this.storage.list<UpstreamState>({ prefix: UPSTREAM_KEY_PREFIX });
    const slots = new Map<string, SessionSlot>();
    for (const [key, state] of stored) {
      const server = key.slice(UPSTREAM_KEY_PREFIX.length);
      slots.set(server, this.#slotOf(server, state));
    }
    this.#slots ??= slots;
    return this.#slots;
  }

  #slotOf(server: string, state: UpstreamState | undefined): SessionSlot {
    return {
      state,
      save: (next) => {
        if (this.#ended) return;
        if (next) void this.storage.put(upstreamKey(server), next);
        else void this.storage.delete(upstreamKey(server));
      },
    };
  }
}
