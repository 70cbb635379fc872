// "In use until": a time that each use pushes later, and one call when it has passed
// without a new use. The objects hear their upstreams while a lease lasts (or while a
// client listens), so an upstream's question outside a call is never left unheard.

export class UseLease {
  #until = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onLapse: () => void) {}

  /** In use for at least `ms` more. */
  extend(ms: number): void {
    this.#until = Math.max(this.#until, Date.now() + ms);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.onLapse(), this.#until - Date.now());
  }

  get active(): boolean {
    return Date.now() < this.#until;
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#until = 0;
  }
}
