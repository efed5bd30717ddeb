/**
 * Unit tests of the claim strategies' pure parts (src/strategies.ts): no database.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CLAIM_STRATEGIES, strategyWeight } from "../../src/strategies.ts";
import { parseOptions, WorkerOptionsSchema } from "../../src/options.ts";

describe("claim strategies", () => {
  it("are the four of seed 002", () => {
    assert.deepEqual([...CLAIM_STRATEGIES], ["FIFO", "LIFO", "PRIORITY", "WEIGHTED_RANDOM"]);
  });

  it("WEIGHTED_RANDOM weighs a task 1 / max(priority, 1): priority 50 is twice as likely as 100", () => {
    assert.equal(strategyWeight(50) / strategyWeight(100), 2);
    assert.equal(strategyWeight(100), 0.01);
  });

  it("priorities of 1 or below all weigh 1, so no eligible task has weight zero or below", () => {
    for (const p of [1, 0, -5, -2_147_483_648]) assert.equal(strategyWeight(p), 1);
    assert.ok(strategyWeight(2_147_483_647) > 0);
  });

  it("a worker accepts exactly these names, PRIORITY by default", () => {
    for (const s of CLAIM_STRATEGIES) assert.equal(parseOptions(WorkerOptionsSchema, { strategy: s }, "o").strategy, s);
    assert.equal(parseOptions(WorkerOptionsSchema, {}, "o").strategy, "PRIORITY");
    assert.throws(() => parseOptions(WorkerOptionsSchema, { strategy: "priority" }, "o"), /strategy/);
  });
});
