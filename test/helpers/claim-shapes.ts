/**
 * Schema 10's claim shapes, for the placeholder-count tests of both dialects: one type, no type,
 * several types after rate-limited claims, and the weighted draw with and without types.
 */
import type { QueueDialect, Statement } from "../../src/index.ts";

type Claim = Parameters<QueueDialect["transitions"]["claimOrdered"]>[1];

/** Every claim shape of schema 10 that `t` builds from the typed `claim`. */
export function claimShapes(t: QueueDialect["transitions"], claim: Claim): Statement[] {
  return [
    ...t.claimOrdered("LIFO", { ...claim, types: ["a"] }, 2, false),
    ...t.claimOrdered("FIFO", { ...claim, types: [] }, 2, true),
    ...t.claimOrdered("PRIORITY", { ...claim, types: [] }, 1, false),
    ...t.claimOrdered("PRIORITY", { ...claim, types: ["a", "b", "c"], batchId: "b1" }, 3, true),
    ...t.claimOrdered("FIFO", { ...claim, types: ["a"], batchId: "b1" }, 1, false),
    ...t.claimWeightedRandom({ ...claim, types: [] }, 0.5, false),
    ...t.claimWeightedRandom({ ...claim, types: ["a"] }, 0.5, true),
  ];
}
