/**
 * Package suite under Deno.test: Deno's `node:sqlite` and both WebAssembly builds in memory.
 * Bundled twice: with `npm:@prismq/queue…` specifiers (resolved from the installed tarball's
 * node_modules) and with bare `@prismq/queue…` mapped by an import map onto JSR's layout.
 */
import { DatabaseSync } from "node:sqlite";
import { fromNodeSqlite } from "../../../adapters/node-sqlite/index.ts";
import type { Harness } from "../../harness.ts";
import type { Target } from "../../targets/index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "../../targets/wasm.ts";
import { definePackageSuite } from "./suite.ts";

/** The part of the `Deno` global this runner uses (typed here so tsc needs no Deno types). */
interface DenoLike {
  test(definition: { name: string; fn: () => Promise<void>; sanitizeOps?: boolean; sanitizeResources?: boolean }): void;
  env: { get(name: string): string | undefined };
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (deno === undefined) throw new Error("the Deno package runner runs under `deno test`");

const targets: readonly Target[] = [
  { name: "node-sqlite", create: () => Promise.resolve(fromNodeSqlite(new DatabaseSync(":memory:"))) },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];
// Deno.test has no describe(): suite names prefix flat test names.
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
    // The worker's timers and the WebAssembly modules outlive single tests by design.
    deno.test({ name: [...suites, name].join(" › "), fn, sanitizeOps: false, sanitizeResources: false });
  },
};
definePackageSuite(h, targets, (k) => deno.env.get(k));
