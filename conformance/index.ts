/**
 * The conformance suite, exported so every runner (and third-party adapters) can run it with
 * their own test functions. Files under `conformance/` import only the core, fast-check and the
 * harness/target types: nothing runtime-specific.
 *
 * @module
 */
import { defineDriverContract } from "./driver/contract.ts";
import type { Harness } from "./harness.ts";
import type { ConformanceOptions } from "./model/check.ts";
import { defineQueueProperties } from "./model/properties.ts";
import type { Target } from "./targets/index.ts";

export type { Harness } from "./harness.ts";
export type { Target } from "./targets/index.ts";
export { type ConformanceOptions, conformanceOptionsFrom, PropertyFailure, type ReplayInfo } from "./model/check.ts";
export { PROPERTY, QUEUE_PROPERTIES } from "./model/properties.ts";
export { defineSelfTest } from "./self-test.ts";

/**
 * Registers every conformance case for `target`: the driver contract, then the queue's
 * model-based properties (runs, seed and replay from `options`).
 */
export function defineConformance(h: Harness, target: Target, options: ConformanceOptions = {}): void {
  defineDriverContract(h, target);
  defineQueueProperties(h, target, options);
}
