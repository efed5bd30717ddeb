/**
 * The conformance suite, exported so every runner (and third-party adapters) can run it with
 * their own test functions.
 *
 * @module
 */
import { defineDriverContract } from "./driver/contract.ts";
import type { Harness } from "./harness.ts";
import type { Target } from "./targets/index.ts";

export type { Harness } from "./harness.ts";
export type { Target } from "./targets/index.ts";

/** Registers every conformance case for `target`. */
export function defineConformance(h: Harness, target: Target): void {
  defineDriverContract(h, target);
}
