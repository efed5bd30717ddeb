/**
 * Runs the conformance suite (driver contract, every queue property, the queue smoke test and
 * the self-test's broken variants) on PGlite under node:test: the PostgreSQL dialect checked
 * with no server, never skipped.
 *
 *   node --test conformance/runners/pglite.test.ts
 *
 * CONFORMANCE_* variables work as in the Node runner (CONFORMANCE_RUNS defaults to 30 here, see below);
 * CONFORMANCE_SELF_TEST=0 skips the self-test.
 */
import { after, describe, it } from "node:test";
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, defineSelfTest, type Harness, type ReplayInfo } from "../index.ts";
import { pgliteTarget } from "../targets/pglite.ts";

// A model run here costs ~0.5 s (a server round trip or WebAssembly per statement) against
// ~20 ms on in-memory SQLite: without CONFORMANCE_RUNS, 30 runs per property (every property
// still runs; CONFORMANCE_RUNS=100 gives the SQLite runners' depth).
const options = {
  ...conformanceOptionsFrom((k) => process.env[k]),
  ...(process.env["CONFORMANCE_RUNS"] === undefined ? { numRuns: 30 } : {}),
  replayHint: (r: ReplayInfo) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""}` +
    ` node --test --test-name-pattern='^${r.property.replace(/[.*+?^${}()|[\]\\']/g, ".")}$' conformance/runners/pglite.test.ts`,
};
const h: Harness = { describe, test: (name, fn) => it(name, fn) };
const target = pgliteTarget();
after(() => target.dispose());
defineConformance(h, target, options);
defineQueueSmoke(h, target);
if (process.env["CONFORMANCE_SELF_TEST"] !== "0") defineSelfTest(h, target, { ...options, numRuns: conformanceOptionsFrom((k) => process.env[k]).numRuns });
