/**
 * A worker's view of which task types are rate-limited, refreshed by a read at the end of every
 * claim batch (`selectLimitedTypes`): it only shapes the next claim's statements (one
 * rate-limited claim per such type). Correctness never depends on it: the ordinary claim leaves
 * out every rate-limited type it does not know of yet, and each rate-limited claim reads the
 * type's window in its own statement.
 *
 * @internal
 * @module
 */
import type { SqlValue } from "../driver.ts";

/** The rate-limited types last read. @internal */
export class LimitedTypes {
  #types: readonly string[] = [];
  #batches = 0;
  /** Random per instance, so a worker id reused after a restart never repeats a batch token. */
  readonly #salt: string;

  /** `random` in [0, 1) salts the batch tokens. */
  constructor(random: () => number) {
    this.#salt = Math.floor(random() * 2 ** 52).toString(36);
  }

  /** A token unique to one claim batch of this worker (`ClaimParams.batchId`). */
  nextBatchId(workerId: string): string {
    return `${workerId}:${this.#salt}:${++this.#batches}`;
  }

  /** The rate-limited types a claim for `registered` types (any type if empty) should claim. */
  claimable(registered: readonly string[]): readonly string[] {
    if (this.#types.length === 0 || registered.length === 0) return this.#types;
    return this.#types.filter((t) => registered.includes(t));
  }

  /** Takes the rows (`type`) of the latest read. */
  update(rows: readonly Readonly<Record<string, SqlValue>>[]): void {
    if (rows.length === 0 && this.#types.length === 0) return;
    this.#types = rows.map((r) => String(r["type"]));
  }
}
