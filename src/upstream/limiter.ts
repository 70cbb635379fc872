// Caps concurrent upstream fetches: the platform allows six open connections per
// invocation, and a seventh would wait invisibly inside the runtime. Waiting here instead
// keeps timeouts honest: a request's clock starts when it gets a slot.

export const MAX_UPSTREAM_FETCHES = 6;

export class Limiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly max: number = MAX_UPSTREAM_FETCHES) {}

  get active(): number {
    return this.#active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
