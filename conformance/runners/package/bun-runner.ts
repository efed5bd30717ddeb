/** Package suite under bun:test: Bun's built-in `bun:sqlite` and both WebAssembly builds in memory. */
import { Database } from "bun:sqlite";
import { describe, test } from "bun:test";
import { fromBunSqlite } from "../../../adapters/bun-sqlite/index.ts";
import type { Harness } from "../../harness.ts";
import type { Target } from "../../targets/index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "../../targets/wasm.ts";
import { definePackageSuite } from "./suite.ts";

const targets: readonly Target[] = [
  { name: "bun-sqlite", create: () => Promise.resolve(fromBunSqlite(new Database(":memory:"))) },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];
// bun:test stops a test after 5 s by default; a property over the WebAssembly builds can take longer.
const h: Harness = { describe, test: (name, fn) => test(name, fn, 10 * 60_000) };
definePackageSuite(h, targets, (k) => process.env[k]);
