/**
 * `RunRegistry`: the runs a manager knows of, by id, and the status-change listeners. Both
 * managers keep their runs here, so `getRun` and `onRunStatusChange` behave the same on both.
 *
 * @module
 */
import { FINISHED_RUN_STATUSES, type Run, type RunStatus, type RunStatusListener } from "./types.ts";

/** Options of {@link RunRegistry}. */
export interface RunRegistryOptions {
  /** Finished runs kept for `getRun`; the oldest go first past this. @default 10000 */
  readonly maxFinishedRuns?: number | undefined;
  /** Told when a listener throws (a listener's failure never breaks the manager). */
  readonly onListenerError?: ((err: unknown) => void) | undefined;
}

/** Runs by id, with status-change notification and a bound on finished runs kept. */
export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #finished = new Set<string>();
  readonly #listeners = new Set<RunStatusListener>();
  readonly #maxFinished: number;
  readonly #onListenerError: (err: unknown) => void;

  /** Bounds how many finished runs are remembered. */
  constructor(options: RunRegistryOptions = {}) {
    this.#maxFinished = options.maxFinishedRuns ?? 10_000;
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  /** The run with this id, or undefined. */
  get(runId: string): Run | undefined {
    return this.#runs.get(runId);
  }

  /** Every run kept, oldest first. */
  list(): Run[] {
    return [...this.#runs.values()];
  }

  /** Runs not finished yet. */
  active(): Run[] {
    return this.list().filter((r) => !isFinished(r.status));
  }

  /**
   * Stores the run's new state; listeners hear it if the status changed (or the run is new).
   * A finished run is never moved back: a late poll cannot undo a cancel seen here first.
   */
  update(run: Run): Run {
    const prev = this.#runs.get(run.runId);
    if (prev !== undefined && isFinished(prev.status) && prev.status !== run.status) return prev;
    const frozen = Object.freeze({ ...run });
    this.#runs.set(run.runId, frozen);
    if (isFinished(frozen.status)) this.#keepFinished(frozen.runId);
    if (prev?.status !== frozen.status) this.#emit(frozen, prev?.status ?? null);
    return frozen;
  }

  /** Drops a run without telling listeners (its source of truth is gone). */
  forget(runId: string): void {
    this.#runs.delete(runId);
    this.#finished.delete(runId);
  }

  /** Adds a listener; returns the unsubscribe. */
  subscribe(listener: RunStatusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #keepFinished(runId: string): void {
    this.#finished.delete(runId);
    this.#finished.add(runId);
    while (this.#finished.size > this.#maxFinished) {
      const oldest = this.#finished.values().next().value as string;
      this.#finished.delete(oldest);
      this.#runs.delete(oldest);
    }
  }

  #emit(run: Run, previous: RunStatus | null): void {
    for (const l of [...this.#listeners]) {
      try {
        l(run, previous);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}

/** True for COMPLETED, FAILED and CANCELLED. */
export function isFinished(status: RunStatus): boolean {
  return FINISHED_RUN_STATUSES.includes(status);
}
