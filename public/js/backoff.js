// Reconnect delays: exponential, capped, with random jitter (docs/protocol.md,
// "Reconnect with backoff"). No DOM use; node's tests import it directly.

/**
 * The delay before each reconnect attempt: 1 s, 2 s, 4 s … up to 30 s by
 * default. Each delay is shortened by a random share of up to `jitter`, so
 * that every client of a restarted daemon does not come back in the same
 * instant; it is never lengthened, so the cap really is the longest wait.
 */
export class Backoff {
  #initialMs;
  #maxMs;
  #factor;
  #jitter;
  #random;
  #attempts = 0;

  constructor({ initialMs = 1000, maxMs = 30_000, factor = 2, jitter = 0.5, random = Math.random } = {}) {
    if (!(initialMs > 0) || !(maxMs >= initialMs) || !(factor >= 1) || !(jitter >= 0 && jitter < 1)) {
      throw new RangeError('Backoff: need 0 < initialMs <= maxMs, factor >= 1 and 0 <= jitter < 1');
    }
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#factor = factor;
    this.#jitter = jitter;
    this.#random = random;
  }

  /** How many delays were handed out since the last reset(). */
  get attempts() {
    return this.#attempts;
  }

  /** The delay before the next attempt, in milliseconds; counts the attempt. */
  next() {
    const full = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempts);
    this.#attempts += 1;
    return Math.round(full * (1 - this.#jitter * this.#random()));
  }

  /** Back to the shortest delay, after a connection proved good. */
  reset() {
    this.#attempts = 0;
  }
}
