/**
 * Under node:test: the queue smoke test (open → enqueue → process → completed) for every Node
 * adapter, and the driver contract plus smoke test for the WebAssembly variants that the main
 * suite (node.test.ts) does not run: sqlite-wasm without its C API, wa-sqlite's sync build.
 */
import { describe, it } from "node:test";
import { defineDriverContract } from "../driver/contract.ts";
import { defineQueueSmoke } from "../driver/queue-smoke.ts";
import type { Harness } from "../harness.ts";
import { NODE_TARGETS } from "../targets/node.ts";
import { WASM_VARIANT_TARGETS } from "../targets/wasm.ts";

const h: Harness = { describe, test: (name, fn) => it(name, fn) };
const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim());
const pick = (name: string): boolean => wanted === undefined || wanted.some((w) => name === w || name.startsWith(`${w} (`));
for (const target of NODE_TARGETS) if (pick(target.name)) defineQueueSmoke(h, target);
for (const target of WASM_VARIANT_TARGETS) {
  if (!pick(target.name)) continue;
  defineDriverContract(h, target);
  defineQueueSmoke(h, target);
}
