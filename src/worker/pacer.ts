/**
 * How the claim loop waits and when it lets the rest of the program run.
 *
 * Waiting: the loop sleeps until a handler finishes, `stop()` is called, or a poll interval
 * passes ({@link LoopPacer.waitForWork}); anything that frees a slot calls {@link LoopPacer.wake}.
 *
 * Yielding: with a synchronous driver (better-sqlite3, node:sqlite, bun:sqlite) and handlers that
 * return at once, every `await` of the loop resolves as a microtask, so a long backlog was drained
 * without ever returning to the event loop. Measured on Node, 20,000 no-op tasks: a 10 ms
 * `setInterval` fired 0 times during a 3.3 s drain. Timers starved: heartbeats (other workers
 * could judge this one stale and reclaim its tasks), lease renewals, handler timeouts, SIGTERM
 * handling, an HTTP server in the same process. The loop now yields to the event loop's task
 * queue once it has run {@link TIME_SLICE_MS} without doing so (`setImmediate` where it exists,
 * else `setTimeout(0)`), which costs a few microseconds per slice.
 *
 * @internal
 * @module
 */
import type { Clock } from "../clock.ts";

/** Longest stretch the claim loop runs before it lets timers and I/O in. */
export const TIME_SLICE_MS = 10;

const WOKEN = Symbol("woken");

type Immediate = (fn: () => void) => unknown;
const setImmediateFn: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** One turn of the event loop's task queue (not a microtask). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => {
    if (setImmediateFn !== undefined) setImmediateFn(resolve);
    else setTimeout(resolve, 0);
  });
}

/** The claim loop's waits and time slices. */
export class LoopPacer {
  readonly #clock: Clock;
  #wake: (() => void) | null = null;
  #sliceStart = performance.now();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Ends a {@link waitForWork} in progress (no-op when the loop is not waiting). */
  wake(): void {
    this.#wake?.();
  }

  /** Waits until {@link wake}, or `ms` pass on the clock (null: no timer). */
  async waitForWork(ms: number | null): Promise<void> {
    const wake = new AbortController();
    this.#wake = () => wake.abort(WOKEN);
    try {
      if (ms === null) {
        await new Promise<void>((resolve) => wake.signal.addEventListener("abort", () => resolve(), { once: true }));
      } else {
        await this.#clock.sleep(Math.max(0, ms), wake.signal);
      }
    } catch {
      // woken before the time ran out
    } finally {
      this.#wake = null;
    }
  }

  /** Yields to the event loop if the loop has run a whole slice since it last did. */
  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.#sliceStart < TIME_SLICE_MS) return;
    await yieldToEventLoop();
    this.#sliceStart = performance.now();
  }
}
