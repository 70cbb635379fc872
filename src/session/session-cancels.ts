// A 2025 client's `notifications/cancelled` may reach any isolate, not the one running the
// call it names. Every one reaches the session object, which keeps here what a cancellation
// can stop: the requests it runs itself (aborted at once), and the calls a Worker answers
// in its own isolate that have run long enough for that Worker to ask to be told (`watch`;
// worker-legacy.ts). A cancellation that finds neither is remembered for a while, so a call
// whose watch or hand-over comes after it is still stopped.
import type { RequestId } from "../mcp/jsonrpc.js";

/** A cancellation nobody was there to hear is remembered this long. */
const REMEMBER_MS = 60_000;
/** At most this many are remembered; the oldest go first. */
const MAX_REMEMBERED = 256;

export class SessionCancels {
  /** Requests this object runs, by JSON-encoded id. */
  readonly #running = new Map<string, AbortController>();
  /** Workers waiting to hear of a cancellation, by JSON-encoded id. */
  readonly #watchers = new Map<string, (cancelled: boolean) => void>();
  /** Cancellations that found nothing to stop: id → until when they count. */
  readonly #remembered = new Map<string, number>();

  /** A request this object runs: its signal aborts when the client cancels it. */
  start(requestId: RequestId): AbortController {
    const key = JSON.stringify(requestId);
    const controller = new AbortController();
    this.#running.set(key, controller);
    if (this.#take(key)) controller.abort();
    return controller;
  }

  finish(requestId: RequestId, controller: AbortController): void {
    const key = JSON.stringify(requestId);
    if (this.#running.get(key) === controller) this.#running.delete(key);
  }

  /** The client cancelled `requestId`: stop it wherever it runs, or remember that it was cancelled. */
  cancel(requestId: RequestId): void {
    const key = JSON.stringify(requestId);
    const running = this.#running.get(key);
    if (running) return running.abort();
    const watcher = this.#watchers.get(key);
    if (watcher) {
      this.#watchers.delete(key);
      return watcher(true);
    }
    this.#remember(key);
  }

  /** A Worker's call: true once the client cancels it, false once the Worker releases it. */
  watch(requestId: RequestId): Promise<boolean> {
    const key = JSON.stringify(requestId);
    if (this.#take(key)) return Promise.resolve(true);
    this.#watchers.get(key)?.(false);
    return new Promise((resolve) => this.#watchers.set(key, resolve));
  }

  release(requestId: RequestId): void {
    const key = JSON.stringify(requestId);
    this.#watchers.get(key)?.(false);
    this.#watchers.delete(key);
  }

  /** The session ended: everything it ran stops, and no Worker waits any longer. */
  stopAll(): void {
    for (const controller of this.#running.values()) controller.abort();
    for (const watcher of this.#watchers.values()) watcher(false);
    this.#watchers.clear();
    this.#remembered.clear();
  }

  #remember(key: string): void {
    const now = Date.now();
    for (const [old, until] of this.#remembered) {
      if (until > now && this.#remembered.size < MAX_REMEMBERED) break;
      this.#remembered.delete(old);
    }
    this.#remembered.set(key, now + REMEMBER_MS);
  }

  #take(key: string): boolean {
    const until = this.#remembered.get(key);
    if (until === undefined) return false;
    this.#remembered.delete(key);
    return until > Date.now();
  }
}
