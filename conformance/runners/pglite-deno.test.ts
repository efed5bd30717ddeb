/**
 * Runs the conformance suite and the queue smoke test on PGlite under Deno.test: the PostgreSQL
 * dialect on Deno, no server.
 *
 *   deno test -A --no-check conformance/runners/pglite-deno.test.ts
 *
 * CONFORMANCE_* variables work as in the Node runner.
 */
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, type Harness } from "../index.ts";
import { pgliteTarget } from "../targets/pglite.ts";

/** The part of the `Deno` global this runner uses (typed here so tsc needs no Deno types). */
interface DenoLike {
  test(definition: { name: string; fn: () => Promise<void>; sanitizeOps?: boolean; sanitizeResources?: boolean }): void;
  env: { get(name: string): string | undefined };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (deno === undefined) throw new Error("conformance/runners/pglite-deno.test.ts runs under `deno test`");

const suites: string[] = [];
const h: Harness = {
  describe(name, fn) {
    suites.push(name);
    try {
      fn();
    } finally {
      suites.pop();
    }
  },
  test(name, fn) {
    deno.test({ name: [...suites, name].join(" › "), fn, sanitizeOps: false, sanitizeResources: false });
  },
};

// As in the Node PGlite runner: 30 model runs per property unless CONFORMANCE_RUNS says otherwise.
const options = {
  ...conformanceOptionsFrom((k) => deno.env.get(k)),
  ...(deno.env.get("CONFORMANCE_RUNS") === undefined ? { numRuns: 30 } : {}),
  replayHint: (r: { target: string; property: string; seed: number; path: string | null; replayPath: string | null }) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""}` +
    ` deno test -A --no-check --filter '${r.property.replace(/'/g, ".")}' conformance/runners/pglite-deno.test.ts`,
};
const target = pgliteTarget();
defineConformance(h, target, options);
defineQueueSmoke(h, target);
h.test("dispose the PGlite instance", () => target.dispose());
