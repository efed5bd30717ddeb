/**
 * A FIFO mutex for async code. Callers queue in arrival order; `run` releases in `finally`.
 *
 * @internal
 * @module
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #held = 0;

  /** True while some caller holds or waits for the lock. */
  get locked(): boolean {
    return this.#held > 0;
  }

  /** Runs `fn` with the lock held; later callers wait for it to settle. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#held++;
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    try {
      await prev;
      return await fn();
    } finally {
      this.#held--;
      release();
    }
  }
}
