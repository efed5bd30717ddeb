/**
 * Runs the conformance suite and the queue smoke test under bun:test for every Bun adapter:
 * `bun:sqlite` (built into Bun) and the WebAssembly builds in memory.
 *
 *   bun test conformance/runners/bun.test.ts
 *
 * DRIVERS and the CONFORMANCE_* variables work as in the Node runner.
 */
import { describe, test } from "bun:test";
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import { conformanceOptionsFrom, defineConformance, type Harness } from "../index.ts";
import { BUN_TARGETS } from "../targets/bun.ts";

// bun:test stops a test after 5 s by default; a property runs 100 model runs and can take longer
// on the WebAssembly builds (about 5 s for wa-sqlite on a 2-core machine).
const TEST_TIMEOUT_MS = 10 * 60_000;
const h: Harness = { describe, test: (name, fn) => test(name, fn, TEST_TIMEOUT_MS) };

const options = {
  ...conformanceOptionsFrom((k) => process.env[k]),
  replayHint: (r: { target: string; property: string; seed: number; path: string | null; replayPath: string | null }) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""} DRIVERS=${r.target}` +
    ` bun test -t '${r.property.replace(/[.*+?^${}()|[\]\\']/g, ".")}' conformance/runners/bun.test.ts`,
};
const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim());
const targets = BUN_TARGETS.filter((t) => wanted === undefined || wanted.includes(t.name));
if (targets.length === 0) throw new Error(`DRIVERS=${process.env["DRIVERS"]} matches no Bun target`);
for (const target of targets) {
  defineConformance(h, target, options);
  defineQueueSmoke(h, target);
}
