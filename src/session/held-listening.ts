// A held session's object hearing its upstream outside any call: while some 2026-07-28
// client listens (`subscriptions/listen`: notification lines for each reader), and while
// the session is in use (the upstream may ask on its session's standalone stream at any
// time; held sessions declare every capability to it). A current-era client cannot be
// asked anything outside a call, so such questions are refused at once, never left to
// hold a call until the upstream gives up.
import type { UpstreamLink } from "../upstream/upstream-link.js";
import { UpstreamListener } from "../upstream/listener.js";
import { heldLine } from "./protocol.js";
import { UseLease } from "./use-lease.js";

/** A session in use keeps its upstream heard this long after its last use. */
export const HELD_LISTEN_LEASE_MS = 30_000;

export class HeldListening {
  readonly #subscribers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  #listener: UpstreamListener | undefined;
  /** The registration (fingerprint) the listener hears: a changed one is heard afresh. */
  #heard: string | undefined;
  readonly #lease = new UseLease(() => this.#expire());

  constructor(private readonly background: (work: Promise<unknown>) => void) {}

  /** A reader of the upstream's notifications, for as long as it reads. */
  subscribe(link: UpstreamLink): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.#subscribers.add(writer);
    writer.closed.catch(() => {
      this.#subscribers.delete(writer);
      this.#expire();
    });
    this.#hear(link);
    return readable;
  }

  /** The session is in use: hear the upstream for at least `ms` more. */
  keepFor(link: UpstreamLink, ms: number): void {
    this.#lease.extend(ms);
    this.#hear(link);
  }

  #hear(link: UpstreamLink): void {
    // A listener that gave up (the upstream was down for a while) is replaced on next use.
    if (this.#listener && !this.#listener.gaveUp && this.#heard === link.server.fingerprint) return;
    this.#listener?.stop();
    this.#heard = link.server.fingerprint;
    // No question handler: the listener refuses every question at once.
    this.#listener = new UpstreamListener(link, {
      notification: (notification) => {
        const line = heldLine({ notification });
        for (const subscriber of this.#subscribers) subscriber.write(line).catch(() => undefined);
      },
    });
    this.background(this.#listener.start());
  }

  #expire(): void {
    if (this.#subscribers.size > 0 || this.#lease.active) return;
    this.#lease.cancel();
    this.#listener?.stop();
    this.#listener = undefined;
    this.#heard = undefined;
  }
}
