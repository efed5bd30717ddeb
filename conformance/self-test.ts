/**
 * The suite's self-test: each deliberately broken queue variant (`conformance/broken/`) must
 * make the property meant to catch it fail, for the expected reason, with a counterexample that
 * passes on the real worker (so the failure is the variant's, not the core's). A suite that
 * passes on a broken queue proves nothing; this shows it does not.
 *
 * @module
 */
import { equal, ok } from "./assert.ts";
import { BROKEN_VARIANTS, type BrokenVariant } from "./broken/index.ts";
import type { Harness } from "./harness.ts";
import { type ConformanceOptions, PropertyFailure } from "./model/check.ts";
import { propertyNamed, type QueueProperty } from "./model/properties.ts";
import { REAL_OPS } from "./queue/ops.ts";
import type { Target } from "./targets/index.ts";

/** Attempts (fresh seeds) before giving up when a counterexample also fails on the real worker. */
const ATTEMPTS = 3;

/** Runs `property` on the variant; returns its failure, checked to be the variant's own. */
async function catchVariant(
  target: Target,
  v: BrokenVariant,
  property: QueueProperty,
  options: ConformanceOptions,
  attempt: number,
): Promise<{ failure: PropertyFailure; alsoOnReal: string | null }> {
  const seed = options.seed === undefined ? undefined : options.seed + attempt;
  let failure: unknown = undefined;
  try {
    // Stop at the first counterexample: the point is that there is one.
    await property.run({ target, ops: v.ops, options: { ...options, seed, endOnFailure: true } });
  } catch (err) {
    failure = err;
  }
  ok(failure !== undefined, `"${property.name}" passed on the broken variant "${v.name}" (${v.bug}): the suite cannot catch this bug`);
  ok(failure instanceof PropertyFailure, `"${property.name}" crashed on "${v.name}" instead of failing a check: ${String(failure)}`);
  // The same counterexample must pass on the real worker, so the failure is the variant's.
  const { path, replayPath } = failure.replay;
  if (path === null) return { failure, alsoOnReal: null }; // not a fast-check run (the concurrency properties)
  try {
    await property.run({
      target,
      ops: REAL_OPS,
      options: { ...options, numRuns: 1, seed: failure.replay.seed, path, replayPath: replayPath ?? undefined, endOnFailure: true },
    });
    return { failure, alsoOnReal: null };
  } catch (err) {
    return { failure, alsoOnReal: (err as Error).message };
  }
}

/** Registers one test per broken variant: the named property must fail on it, for its reason. */
export function defineSelfTest(h: Harness, target: Target, runOptions: ConformanceOptions = {}): void {
  // A path/replayPath replays one failure of one property: they mean nothing here.
  const { path: _path, replayPath: _replayPath, ...options } = runOptions;
  h.describe(`self-test: the suite catches broken queues (${target.name})`, () => {
    for (const v of BROKEN_VARIANTS) {
      const property = propertyNamed(v.caughtBy);
      h.test(`${v.name} → fails "${property.name}" [${v.reason}]`, async () => {
        for (let attempt = 0; ; attempt++) {
          const { failure, alsoOnReal } = await catchVariant(target, v, property, options, attempt);
          if (alsoOnReal !== null) {
            // A bug of the real worker got in the way (the main suite reports it): try another seed.
            if (attempt + 1 < ATTEMPTS) continue;
            throw new Error(
              `every counterexample that caught "${v.name}" also fails on the real QueueWorker, so none shows the variant's own bug:\n` +
                `${alsoOnReal}\n--- on the variant:\n${failure.message}`,
            );
          }
          equal(
            failure.category,
            v.reason,
            `"${v.name}" made "${property.name}" fail, but not for the expected reason; its failure was:\n${failure.message}`,
          );
          return;
        }
      });
    }
  });
}
