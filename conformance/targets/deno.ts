/**
 * The adapters that run on Deno: its built-in `node:sqlite`, and both WebAssembly builds in memory.
 * Imported only by the Deno runner.
 */
import { DatabaseSync } from "node:sqlite";
import { fromNodeSqlite } from "../../adapters/node-sqlite/index.ts";
import type { Target } from "./index.ts";
import { SQLITE_WASM_TARGET, WA_SQLITE_TARGET } from "./wasm.ts";

export const DENO_TARGETS: readonly Target[] = [
  { name: "node-sqlite", create: () => Promise.resolve(fromNodeSqlite(new DatabaseSync(":memory:"))) },
  SQLITE_WASM_TARGET,
  WA_SQLITE_TARGET,
];
