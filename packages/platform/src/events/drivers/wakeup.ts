// A sleep that a notification can cut short: how log readers wait without busy polling.

export class Wakeup {
  readonly #defaultMs: number;
  #pending = false;
  #resolve: (() => void) | undefined;

  constructor(defaultMs: number) {
    this.#defaultMs = defaultMs;
  }

  /** Wakes the waiter now, or makes its next wait return at once. */
  now(): void {
    if (this.#resolve) this.#resolve();
    else this.#pending = true;
  }

  wait(ms: number = this.#defaultMs): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#resolve = undefined;
        resolve();
      }
      this.#resolve = done;
    });
  }
}
