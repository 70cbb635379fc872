// Stops what the benchmark started, last started first, on success, on error and on
// Ctrl-C / SIGTERM. It only runs the stop steps it is given; starting things is the launchers' job.
export class Teardown {
  #steps: Array<{ label: string; stop: () => unknown }> = [];
  #running: Promise<void> | undefined;

  add(label: string, stop: () => unknown): void {
    this.#steps.push({ label, stop });
  }

  /** Runs every step, each even when an earlier one failed; a second call waits for the first. */
  run(): Promise<void> {
    this.#running ??= this.#runAll();
    return this.#running;
  }

  async #runAll(): Promise<void> {
    for (const { label, stop } of this.#steps.reverse()) {
      try {
        await stop();
      } catch (error) {
        process.stderr.write(`bench: stopping ${label} failed: ${String(error)}\n`);
      }
    }
    this.#steps = [];
  }

  /** On SIGINT/SIGTERM: stop everything, then exit with the conventional 128+signal status. */
  onSignals(): void {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.once(signal, () => {
        process.stderr.write(`\nbench: ${signal}, stopping what was started…\n`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }
}
