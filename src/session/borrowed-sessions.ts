// Per isolate: the upstream sessions the Worker borrows from the objects that own them (a
// McpSession's for a 2025 client session, a HeldUpstreamSession's for an agent and a
// legacy upstream), as their owners last described them. One rule for both: a
// description older than FRESH_MS is asked for again (for a client session, asking is
// also its sign of life, and bounds how long another isolate still serves a session that
// a DELETE ended elsewhere); one whose upstream forgot the session, or whose session
// ended here, is dropped at once. A description is lent only to whom the owner lent it.

/** A description older than this is asked for again. */
export const FRESH_MS = 2000;
/** Descriptions kept per isolate; the least recently fetched goes first. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  /** Who it was lent to. */
  borrower: string;
  value: T;
  fetchedAt: number;
}

export class BorrowedSessions<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #asking = new Map<string, Promise<T | null>>();

  /** The owner's description for this borrower, fresh enough to borrow from; null if the owner lends nothing. */
  async borrow(owner: string, borrower: string, ask: () => Promise<T | null>): Promise<T | null> {
    const cached = this.#entries.get(owner);
    if (cached && cached.borrower === borrower && Date.now() - cached.fetchedAt < FRESH_MS) return cached.value;
    const key = `${owner}\n${borrower}`;
    let pending = this.#asking.get(key);
    if (!pending) {
      pending = this.#ask(owner, borrower, ask).finally(() => this.#asking.delete(key));
      this.#asking.set(key, pending);
    }
    return pending;
  }

  async #ask(owner: string, borrower: string, ask: () => Promise<T | null>): Promise<T | null> {
    const value = await ask();
    const cached = this.#entries.get(owner);
    if (value === null) {
      if (cached?.borrower === borrower) this.#entries.delete(owner);
      return null;
    }
    this.#entries.delete(owner);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(owner, { borrower, value, fetchedAt: Date.now() });
    return value;
  }

  /** The session ended here, or an upstream forgot one it lent: ask its owner next time. */
  forget(owner: string): void {
    this.#entries.delete(owner);
  }
}
