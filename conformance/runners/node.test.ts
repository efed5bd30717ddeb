/** Runs the conformance suite under node:test for every Node adapter, and the self-test on one. */
import { describe, it } from "node:test";
import { conformanceOptionsFrom, defineConformance, defineSelfTest, type Harness, type ReplayInfo } from "../index.ts";
import { NODE_TARGETS } from "../targets/node.ts";

// DRIVERS=a,b picks targets; CONFORMANCE_RUNS (default 100), CONFORMANCE_SEED, CONFORMANCE_PATH,
// CONFORMANCE_REPLAY_PATH replay a failure; CONFORMANCE_SELF_TEST=0 skips the self-test.
const options = {
  ...conformanceOptionsFrom((k) => process.env[k]),
  replayHint: (r: ReplayInfo) =>
    `replay: CONFORMANCE_SEED=${r.seed}${r.path !== null ? ` CONFORMANCE_PATH=${r.path}` : ""}` +
    `${r.replayPath !== null ? ` CONFORMANCE_REPLAY_PATH='${r.replayPath}'` : ""} DRIVERS=${r.target}` +
    ` node --test --test-name-pattern='^${r.property.replace(/[.*+?^${}()|[\]\\']/g, ".")}$' conformance/runners/node.test.ts`,
};
const h: Harness = { describe, test: (name, fn) => it(name, fn) };
const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim());
const targets = NODE_TARGETS.filter((t) => wanted === undefined || wanted.includes(t.name));
for (const target of targets) defineConformance(h, target, options);
if (targets[0] !== undefined && process.env["CONFORMANCE_SELF_TEST"] !== "0") defineSelfTest(h, targets[0], options);
