/**
 * Runs the conformance suite and the queue smoke test on PGlite under bun:test: the PostgreSQL
 * dialect on Bun, no server.
 *
 *   bun test conformance/runners/pglite-bun.test.ts
 *
 * CONFORMANCE_* variables work as in the Node runner.
 */
import { describe, test } from "bun:test";
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, type Harness } from "../index.ts";
import { pgliteTarget } from "../targets/pglite.ts";

// A property's 100 model runs on WebAssembly PostgreSQL take far longer than bun:test's 5 s.
const TEST_TIMEOUT_MS = 20 * 60_000;
const h: Harness = { describe, test: (name, fn) => test(name, fn, TEST_TIMEOUT_MS) };
// As in the Node PGlite runner: 30 model runs per property unless CONFORMANCE_RUNS says otherwise.
const options = {
  ...conformanceOptionsFrom((k) => process.env[k]),
  ...(process.env["CONFORMANCE_RUNS"] === undefined ? { numRuns: 30 } : {}),
  replayHint: (r: { target: string; property: string; seed: number; path: string | null; replayPath: string | null }) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""}` +
    ` bun test -t '${r.property.replace(/[.*+?^${}()|[\]\\']/g, ".")}' conformance/runners/pglite-bun.test.ts`,
};
const target = pgliteTarget();
defineConformance(h, target, options);
defineQueueSmoke(h, target);
// Last (bun:test runs a file's tests in order): the instance is no longer needed.
h.test("dispose the PGlite instance", () => target.dispose());
