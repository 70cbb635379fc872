// The timeout of one upstream exchange: it starts when the fetch starts, restarts with
// each progress notification, and stands still while the client answers the upstream's
// own question (the upstream is waiting for that answer, not failing to give one).

export class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #holds = 0;

  constructor(
    private readonly ms: number,
    private readonly expire: () => void,
  ) {
    this.restart();
  }

  restart(): void {
    clearTimeout(this.#timer);
    this.#timer = this.#holds > 0 ? undefined : setTimeout(this.expire, this.ms);
  }

  /** Stops the clock until `pending` settles. */
  hold(pending: Promise<unknown>): void {
    this.#holds++;
    clearTimeout(this.#timer);
    void pending.finally(() => {
      this.#holds--;
      this.restart();
    });
  }

  clear(): void {
    this.#holds = Number.POSITIVE_INFINITY;
    clearTimeout(this.#timer);
  }
}

/** Waits `ms`, or less when the signal aborts (whatever comes next then fails as cancelled or stopped). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
