/** Runs the conformance suite under node:test for every Node adapter. */
import { describe, it } from "node:test";
import { defineConformance } from "../index.ts";
import { NODE_TARGETS } from "../targets/node.ts";

const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim());
for (const target of NODE_TARGETS) {
  if (wanted !== undefined && !wanted.includes(target.name)) continue;
  defineConformance({ describe, test: (name, fn) => it(name, fn) }, target);
}
