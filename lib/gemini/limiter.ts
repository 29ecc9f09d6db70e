/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in
 * arrival order. The Gemini client holds one slot per call (backoff waits
 * included), so a batch and a reward judge sharing a client together stay
 * under the rate the user chose.
 *
 * @module
 */

/** At most `limit` concurrent holders; FIFO waiting. */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(
        `concurrency limit must be an integer >= 1, got ${limit}`,
      );
    }
  }

  /** Runs `task` once a slot is free, releasing it however `task` ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter so `#active` stays exact.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }
}
